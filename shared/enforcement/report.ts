/** What one enforcer sweep did, and how a failed step is recorded in it. */

import type { TerminationReason } from "../domain/lease.ts";
import type { EnforcePorts } from "./ports.ts";

/** What one sweep did. */
export interface SweepReport {
  now: number;
  /** False when the budget ran out or a step failed: what is left is due at the next tick. */
  complete: boolean;
  /** Items read from the sparse indexes (and, on a full orphan sweep, the live-annex index). */
  itemsRead: number;
  annexesEnded: number;
  /** Due annexes handed to the `end-annexes` workers (a tick with more than one sweep ends itself). */
  annexesHandedOff: number;
  instancesTerminated: Record<TerminationReason, number>;
  /** Instance records closed because EC2 no longer runs the instance. */
  instancesGone: number;
  /** Instances whose `annex:lease-expires` tag lagged a lease reset and was rewritten. */
  tagsRepaired: number;
  /** Interrupted spot instances replaced (fleet annexes that asked for it). */
  replacementsLaunched: number;
  /** Whether this sweep ran the full (hourly) sweep of every tagged instance. */
  fullSweep: boolean;
  /** With the full sweep: batches the workers gave up on, waiting in the dead-letter queue. */
  deadLetters?: number;
  /** Instance types whose spot price moved since the last poll (their annexes were re-computed). */
  spotTypesMoved: number;
  /** Steps that failed (logged); their work waits for the next tick. */
  failures: number;
  /** True when another sweep held the enforcer's lock, so this one did nothing. */
  skipped?: boolean;
}

/** An empty report for a sweep at `now`. */
export function newReport(now: number): SweepReport {
  return {
    now,
    complete: true,
    itemsRead: 0,
    annexesEnded: 0,
    annexesHandedOff: 0,
    instancesTerminated: { expired: 0, budget: 0, idle: 0, boot: 0, orphan: 0 },
    instancesGone: 0,
    tagsRepaired: 0,
    replacementsLaunched: 0,
    fullSweep: false,
    spotTypesMoved: 0,
    failures: 0,
  };
}

/** Records a failed step in the report and the log; the sweep goes on with the next one. */
export function recordFailure(
  ports: Pick<EnforcePorts, "log">,
  report: SweepReport,
  step: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): void {
  report.failures += 1;
  report.complete = false;
  const { name, message } =
    error instanceof Error ? error : { name: "Error", message: String(error) };
  ports.log.warn(`enforcer: ${step} failed; left for the next tick`, {
    ...fields,
    error: { name, message },
  });
}

/**
 * Records one annex's failed end in the report and the log, and on the annex's own audit trail
 * (best effort): the sweep goes on with the other annexes, and the annex is retried next tick.
 */
export async function recordAnnexFailure(
  ports: Pick<EnforcePorts, "log" | "instances">,
  report: SweepReport,
  step: string,
  error: unknown,
  annexId: string,
): Promise<void> {
  recordFailure(ports, report, step, error, { annexId });
  const name = error instanceof Error ? error.name : "Error";
  await ports.instances
    .appendEvent({
      annexId,
      at: report.now,
      type: "enforcement-failed",
      message: `${step} failed (${name}); retried at the next tick`,
    })
    .catch((cause: unknown) =>
      recordFailure(ports, report, "recording a failure", cause, { annexId }),
    );
}
