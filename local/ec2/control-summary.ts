/** Instances as the control interface shows them (no secrets: credentials stay in the metadata service). */

import type { InstanceRecord } from "./core/state.ts";

/** An instance as the control interface shows it. */
export interface InstanceSummary {
  instanceId: string;
  state: string;
  instanceType: string;
  imageId: string;
  launchTime: string;
  privateIp: string;
  availabilityZone: string;
  lifecycle: "spot" | "on-demand";
  shutdownBehavior: "stop" | "terminate";
  tags: Record<string, string>;
  fleetId?: string;
  interruption?: { noticeTime: string; terminationTime: string };
  /** When EC2 recommended rebalancing it, if it did. */
  rebalanceRecommendation?: { noticeTime: string };
  iamInstanceProfileArn?: string;
  /** Decoded user data (UTF-8). */
  userData?: string;
}

const iso = (at: number) => new Date(at).toISOString();

/** The control view of an instance. */
export function summary(i: InstanceRecord): InstanceSummary {
  return {
    instanceId: i.id,
    state: i.state,
    instanceType: i.instanceType,
    imageId: i.imageId,
    launchTime: iso(i.launchTime),
    privateIp: i.privateIp,
    availabilityZone: i.availabilityZone,
    lifecycle: i.lifecycle ?? "on-demand",
    shutdownBehavior: i.shutdownBehavior,
    tags: Object.fromEntries(i.tags.map((t) => [t.Key, t.Value])),
    fleetId: i.fleetId,
    interruption: i.interruption
      ? {
          noticeTime: iso(i.interruption.noticeAt),
          terminationTime: iso(i.interruption.terminateAt),
        }
      : undefined,
    rebalanceRecommendation:
      i.rebalanceAt === undefined ? undefined : { noticeTime: iso(i.rebalanceAt) },
    iamInstanceProfileArn: i.iamInstanceProfile?.arn,
    userData:
      i.userData === undefined ? undefined : Buffer.from(i.userData, "base64").toString("utf8"),
  };
}
