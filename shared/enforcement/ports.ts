/**
 * What the enforcer works through and reports: its ports (narrow views of the adapters), the
 * time budget every phase checks before it starts more work, and the sweep's running tally.
 */

import type { AnnexRepository } from "../adapters/aws/annex-repository.ts";
import type { Ec2Instances } from "../adapters/aws/ec2-instances.ts";
import type { InstanceRepository } from "../adapters/aws/instance-repository.ts";
import type { TerminationReason } from "../domain/lease.ts";
import type { EndPorts } from "../use-cases/annexes/end-annex.ts";

/** The adapters the enforcer and the EC2 event handler use. */
export interface EnforcePorts extends EndPorts {
  annexes: EndPorts["annexes"] &
    Pick<AnnexRepository, "dueLeases" | "liveAnnexes" | "sweepMarks" | "advanceSweepMark">;
  instances: EndPorts["instances"] &
    Pick<
      InstanceRepository,
      "dueInstances" | "getInstance" | "annexIdOf" | "listInstancesConsistent"
    >;
  ec2: EndPorts["ec2"] & Pick<Ec2Instances, "findTagged" | "byIds">;
  /** Logs one failed step; the work it was doing stays due for the next tick. */
  warn(message: string, fields: Record<string, unknown>): void;
}

/** Milliseconds of budget left; at zero or below, no phase starts more work. */
export type TimeLeft = () => number;

/** What one sweep did. */
export interface SweepReport {
  now: number;
  /** False when the budget ran out or a step failed: what is left is due at the next tick. */
  complete: boolean;
  /** Items read from the sparse indexes (and, on a full orphan sweep, the live-annex index). */
  itemsRead: number;
  annexesEnded: number;
  instancesTerminated: Record<TerminationReason, number>;
  /** Instance records closed because EC2 no longer runs the instance. */
  instancesGone: number;
  /** Instances whose `annex:lease-expires` tag lagged a lease reset and was rewritten. */
  tagsRepaired: number;
  /** Whether this sweep ran the full (hourly) sweep of every tagged instance. */
  fullSweep: boolean;
  /** Steps that failed (logged); their work waits for the next tick. */
  failures: number;
}

/** An empty report for a sweep at `now`. */
export function newReport(now: number): SweepReport {
  return {
    now,
    complete: true,
    itemsRead: 0,
    annexesEnded: 0,
    instancesTerminated: { expired: 0, idle: 0, boot: 0, orphan: 0 },
    instancesGone: 0,
    tagsRepaired: 0,
    fullSweep: false,
    failures: 0,
  };
}

/** Records a failed step in the report and the log; the sweep goes on with the next one. */
export function recordFailure(
  ports: Pick<EnforcePorts, "warn">,
  report: SweepReport,
  step: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): void {
  report.failures += 1;
  report.complete = false;
  const { name, message } =
    error instanceof Error ? error : { name: "Error", message: String(error) };
  ports.warn(`enforcer: ${step} failed; left for the next tick`, {
    ...fields,
    error: { name, message },
  });
}

/** Runs `work` on every item with at most `limit` at a time; results keep the items' order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Splits a list into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
