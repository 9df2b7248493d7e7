/** EventBridge events as EC2 emits them (source `aws.ec2`), delivered to subscribed listeners. */

import { randomUUID } from "node:crypto";
import { type Ec2Context, instanceArn } from "./core/context.ts";
import type { InstanceRecord, InstanceStateName } from "./core/state.ts";

interface EventEnvelope<Type extends string, Detail> {
  version: "0";
  id: string;
  "detail-type": Type;
  source: "aws.ec2";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Detail;
}

export type InstanceStateChangeEvent = EventEnvelope<
  "EC2 Instance State-change Notification",
  { "instance-id": string; state: InstanceStateName }
>;

export type SpotInterruptionWarningEvent = EventEnvelope<
  "EC2 Spot Instance Interruption Warning",
  { "instance-id": string; "instance-action": "terminate" }
>;

export type RebalanceRecommendationEvent = EventEnvelope<
  "EC2 Instance Rebalance Recommendation",
  { "instance-id": string }
>;

/** Every event the emulator emits. */
export type Ec2EventBridgeEvent =
  | InstanceStateChangeEvent
  | SpotInterruptionWarningEvent
  | RebalanceRecommendationEvent;

export type Ec2EventListener = (event: Ec2EventBridgeEvent) => void | Promise<void>;

/** EventBridge's time format: ISO 8601 without milliseconds. */
const eventTime = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");

const recentLimit = 1000;

/** Subscribers (called in a microtask, never inside a state change) plus a short history. */
export class EventBus {
  private readonly listeners = new Set<Ec2EventListener>();
  readonly recent: Ec2EventBridgeEvent[] = [];

  constructor(private readonly ctx: Pick<Ec2Context, "region" | "accountId">) {}

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: Ec2EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Emits the state-change notification for an instance's current state. */
  stateChanged(instance: InstanceRecord, at: number): void {
    this.emit({
      ...this.envelope(instance, at),
      "detail-type": "EC2 Instance State-change Notification",
      detail: { "instance-id": instance.id, state: instance.state },
    });
  }

  /** Emits the two-minute spot interruption warning. */
  interruptionWarning(instance: InstanceRecord, at: number): void {
    this.emit({
      ...this.envelope(instance, at),
      "detail-type": "EC2 Spot Instance Interruption Warning",
      detail: { "instance-id": instance.id, "instance-action": "terminate" },
    });
  }

  /** Emits the rebalance recommendation (EC2's shape: the detail names only the instance). */
  rebalanceRecommendation(instance: InstanceRecord, at: number): void {
    this.emit({
      ...this.envelope(instance, at),
      "detail-type": "EC2 Instance Rebalance Recommendation",
      detail: { "instance-id": instance.id },
    });
  }

  private envelope(instance: InstanceRecord, at: number) {
    return {
      version: "0" as const,
      id: randomUUID(),
      source: "aws.ec2" as const,
      account: this.ctx.accountId,
      time: eventTime(at),
      region: this.ctx.region,
      resources: [instanceArn(this.ctx, instance.id)],
    };
  }

  private emit(event: Ec2EventBridgeEvent): void {
    this.recent.push(event);
    if (this.recent.length > recentLimit) this.recent.splice(0, this.recent.length - recentLimit);
    for (const listener of this.listeners)
      queueMicrotask(() => {
        try {
          Promise.resolve(listener(event)).catch(report);
        } catch (error) {
          report(error);
        }
      });
  }
}

function report(error: unknown): void {
  process.stderr.write(
    `ec2 emulator: event listener failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
}
