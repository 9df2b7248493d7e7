/** What every part of the emulator shares: its settings, state, clock and hooks. */

import type { Clock } from "../../clock.ts";
import type { Faults } from "../faults.ts";
import type { Scheduler } from "./scheduler.ts";
import type { Ec2State, InstanceRecord } from "./state.ts";

export interface Delays {
  /** pending → running. */
  pendingMs: number;
  /** shutting-down → terminated (also stopping → stopped). */
  shuttingDownMs: number;
  /** How long a terminated instance stays visible to Describe*. */
  terminatedVisibleMs: number;
}

export type InstanceListener = (instance: InstanceRecord, at: number) => void;

export interface Hooks {
  /** After every instance state change (including launch into `pending`). */
  stateChanged: InstanceListener[];
  /** When a spot interruption notice is issued. */
  interruptionWarning: InstanceListener[];
  /** When EC2 recommends rebalancing a spot instance. */
  rebalanceRecommendation: InstanceListener[];
}

export interface Ec2Context {
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly delays: Delays;
  readonly state: Ec2State;
  readonly faults: Faults;
  readonly scheduler: Scheduler;
  readonly hooks: Hooks;
  /** The role of an instance profile (by profile name), as IAM knows it; undefined = none. */
  roleOfInstanceProfile(profileName: string): string | undefined;
  /** Records that the state changed and should be saved. */
  markDirty(): void;
}

/** The next creation sequence number. */
export function nextSeq(ctx: Ec2Context): number {
  ctx.state.seq += 1;
  return ctx.state.seq;
}

/** The ARN of an instance, as EventBridge events carry it. */
export const instanceArn = (
  ctx: Pick<Ec2Context, "region" | "accountId">,
  instanceId: string,
): string => `arn:aws:ec2:${ctx.region}:${ctx.accountId}:instance/${instanceId}`;
