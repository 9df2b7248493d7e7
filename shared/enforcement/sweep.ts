/**
 * One enforcer tick: leases and budgets first (the product's core promise; a tick with many
 * expired annexes hands them to parallel workers), then instance deadlines (idle, stuck boots,
 * and instances found gone), then orphans, then (every few minutes) the spot prices of live
 * annexes. Each phase reads only what is due and
 * checks the time budget before every page; a failed step is logged and left due for the next
 * tick, so nothing is lost. Safe to run twice at once: every write is conditional.
 */

import type { Pause } from "./batching.ts";
import { sweepSpotPrices } from "./budget.ts";
import { sweepDeadlines } from "./deadlines.ts";
import { checkDeadLetters, sweepLeases } from "./leases.ts";
import { sweepOrphans } from "./orphans.ts";
import type { SweepPorts, Tick, TimeLeft } from "./ports.ts";
import { newReport, recordFailure, type SweepReport } from "./report.ts";

export interface SweepOptions {
  /** Epoch seconds: what counts as due. */
  now: number;
  /** Milliseconds of budget left (already short of the Lambda timeout). */
  timeLeft: TimeLeft;
  /** How a step waits before retrying a throttled termination (default: a timer). */
  pause?: Pause;
}

type Phase = (ports: SweepPorts, tick: Tick) => Promise<boolean>;

const PHASES: ReadonlyArray<[string, Phase]> = [
  ["lease sweep", sweepLeases],
  ["instance deadlines", sweepDeadlines],
  ["orphan sweep", sweepOrphans],
  [
    "spot price poll",
    (ports, tick) => sweepSpotPrices(ports, tick.now, tick.timeLeft, tick.report),
  ],
  ["dead-letter check", checkDeadLetters],
];

/** A timer of `ms` milliseconds. */
export const sleep: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tick's state at `now`, with an empty report. */
export function newTick(options: SweepOptions): Tick {
  const { now, timeLeft, pause = sleep } = options;
  return { now, timeLeft, pause, report: newReport(now), handedOff: new Set() };
}

/** Runs one sweep at `now` within the budget and reports what it did. */
export async function runSweep(ports: SweepPorts, options: SweepOptions): Promise<SweepReport> {
  const tick = newTick(options);
  for (const [name, phase] of PHASES) {
    try {
      if (!(await phase(ports, tick))) tick.report.complete = false;
    } catch (error) {
      recordFailure(ports, tick.report, name, error);
    }
  }
  return tick.report;
}

/**
 * One tick's sweep under the enforcer's lock, so that overlapping runs (two schedules, a retried
 * invocation, a run that outlived its tick) never repeat each other's work. The lock expires at
 * `until` (the invocation's own deadline), so a run that crashed holds it no longer than that;
 * a run that finds it held does nothing and reports `skipped`.
 */
export async function runLockedSweep(
  ports: SweepPorts,
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
