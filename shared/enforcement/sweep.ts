/**
 * One enforcer tick: leases and budgets first (the product's core promise), then instance
 * deadlines (idle, stuck boots, and instances found gone), then orphans, then (every few minutes)
 * the spot prices of live annexes. Each phase reads only what is due and
 * checks the time budget before every page; a failed step is logged and left due for the next
 * tick, so nothing is lost. Safe to run twice at once: every write is conditional.
 */

import { sweepSpotPrices } from "./budget.ts";
import { sweepDeadlines } from "./deadlines.ts";
import { sweepLeases } from "./leases.ts";
import { sweepOrphans } from "./orphans.ts";
import type { EnforcePorts, TimeLeft } from "./ports.ts";
import { newReport, recordFailure, type SweepReport } from "./report.ts";

export interface SweepOptions {
  /** Epoch seconds: what counts as due. */
  now: number;
  /** Milliseconds of budget left (already short of the Lambda timeout). */
  timeLeft: TimeLeft;
}

type Phase = (
  ports: EnforcePorts,
  now: number,
  timeLeft: TimeLeft,
  report: SweepReport,
) => Promise<boolean>;

const PHASES: ReadonlyArray<[string, Phase]> = [
  ["lease sweep", sweepLeases],
  ["instance deadlines", sweepDeadlines],
  ["orphan sweep", sweepOrphans],
  ["spot price poll", sweepSpotPrices],
];

/** Runs one sweep at `now` within the budget and reports what it did. */
export async function runSweep(ports: EnforcePorts, options: SweepOptions): Promise<SweepReport> {
  const report = newReport(options.now);
  for (const [name, phase] of PHASES) {
    try {
      if (!(await phase(ports, options.now, options.timeLeft, report))) report.complete = false;
    } catch (error) {
      recordFailure(ports, report, name, error);
    }
  }
  return report;
}

/**
 * One tick's sweep under the enforcer's lock, so that overlapping runs (two schedules, a retried
 * invocation, a run that outlived its tick) never repeat each other's work. The lock expires at
 * `until` (the invocation's own deadline), so a run that crashed holds it no longer than that;
 * a run that finds it held does nothing and reports `skipped`.
 */
export async function runLockedSweep(
  ports: EnforcePorts,
  options: SweepOptions & { holder: string; until: number },
): Promise<SweepReport> {
  if (!(await ports.annexes.takeSweepLock(options.holder, options.now, options.until)))
    return { ...newReport(options.now), skipped: true };
  try {
    return await runSweep(ports, options);
  } finally {
    await ports.annexes.releaseSweepLock(options.holder).catch((error: unknown) => {
      ports.log.warn("enforcer: releasing the lock failed; it expires on its own", {
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }
}

/**
 * The budget of one invocation: the configured budget from `startedAt`, and never closer than
 * `reserveMs` to the Lambda timeout (`remainingMs`, the context's getRemainingTimeInMillis).
 */
export function invocationBudget(
  budgetMs: number,
  startedAt: number,
  clock: () => number,
  remainingMs: () => number,
  reserveMs: number,
): TimeLeft {
  return () => Math.min(budgetMs - (clock() - startedAt), remainingMs() - reserveMs);
}
