/** The annex model: what the service stores about an annex and its instances. */

import type { AnnexCost } from "./budget.ts";
import type { Estimate } from "./estimate.ts";
import type { Market, PriceTable } from "./prices.ts";

/** How an annex gets its instances: RunInstances, a spot fleet request, or an EC2 Fleet. */
export const ANNEX_KINDS = ["on-demand", "spot-fleet", "fleet"] as const;
/** One of ANNEX_KINDS. */
export type AnnexKind = (typeof ANNEX_KINDS)[number];

/** The life cycle, in order (see state-machine.ts). */
export const ANNEX_STATES = ["requested", "provisioning", "running", "stopping", "ended"] as const;
/** One of ANNEX_STATES. */
export type AnnexState = (typeof ANNEX_STATES)[number];

/** Why an annex stopped. */
export const END_REASONS = ["expired", "off", "idle", "failed", "budget"] as const;
/** One of END_REASONS. */
export type EndReason = (typeof END_REASONS)[number];

/** An annex as stored in DynamoDB. Times are epoch seconds. */
export interface Annex {
  id: string;
  name: string;
  owner: string;
  kind: AnnexKind;
  state: AnnexState;
  endReason?: EndReason;
  /** Human-readable reason for `failed` (never carries secrets or AWS internals). */
  failureReason?: string;
  /** The error code behind `failed` (e.g. InsufficientCapacity, LaunchRejected). */
  failureCode?: string;
  requestedCount: number;
  instanceType: string;
  imageId: string;
  securityGroupIds: string[];
  keyName?: string;
  owners: string[];
  noOwner: boolean;
  tags: Record<string, string>;
  leaseExpiresAt: number;
  idleTimeoutSeconds: number;
  bootGraceSeconds: number;
  clientToken: string;
  /** Hash of the create request, to tell a replay from a conflicting reuse of the token. */
  requestHash: string;
  /** The spot fleet's request id, once RequestSpotFleet answered. */
  fleetId?: string;
  /** The spot fleet's ValidUntil (the lease it was created with): a lease reset may not go past it. */
  fleetValidUntil?: number;
  configKey: string;
  /** The most the annex may spend (USD); the enforcer ends it `budget` when its spend gets there. */
  budgetUsd?: number;
  /** What create estimated it can cost at most. */
  estimate?: Estimate;
  /** The pinned on-demand prices (setup's) of its types when it was created. */
  pinnedPrices?: PriceTable;
  /** Its spend, burn and budget deadline as last computed (the final cost once ended). */
  cost?: AnnexCost;
  createdAt: number;
  updatedAt: number;
  version: number;
}

/** One instance of an annex, as the service tracks it. Times are epoch seconds. */
export interface AnnexInstance {
  annexId: string;
  instanceId: string;
  instanceType: string;
  /** How it is bought (absent on records from before markets were recorded: the annex kind's). */
  market?: Market;
  availabilityZone?: string;
  ec2State: string;
  launchedAt: number;
  bootstrappedAt?: number;
  lastHeartbeatAt?: number;
  lastBusyAt?: number;
  /** What the last heartbeat reported. */
  activity?: "idle" | "busy";
  /** When the instance is due to be terminated as idle: last busy report (or bootstrap) + idle timeout. */
  idleDeadline?: number;
  /** When the instance is due to be terminated if it has not bootstrapped. */
  bootDeadline?: number;
  interruptionNoticeAt?: number;
  endedAt?: number;
  /** Optimistic-locking counter, as for annexes. */
  version: number;
}

/** One entry of an annex's audit trail. */
export interface AnnexEvent {
  annexId: string;
  at: number;
  type: string;
  message: string;
  instanceIds?: string[];
}
