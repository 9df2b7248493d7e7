/**
 * The lease sweep: live annexes whose next deadline has come, read one cheap page of 100 at a
 * time from the `live-by-deadline` index. One whose lease is over is expired: a tick with at most
 * `dueWork.inlineLimit` of them ends them here; a larger one hands them all to the `end-annexes`
 * workers, in batches through the due-work queue, and leaves them to the workers (if the queue
 * refuses, it ends them here). Either way an expired annex is ended by `endDueAnnexes`,
 * termination first; a racing lease reset wins. Any other is due for its budget (budget.ts).
 */

import type { Annex } from "../domain/annex.ts";
import { isLeaseOver } from "../domain/lease.ts";
import { chunks, mapLimited } from "../domain/lists.ts";
import type { PageKey } from "../ports/repositories.ts";
import { settleBudget } from "./budget.ts";
import { endDueAnnexes } from "./due-annexes.ts";
import { SWEEP_CONCURRENCY, type SweepPorts, type Tick } from "./ports.ts";
import { recordAnnexFailure, recordFailure } from "./report.ts";

/** Due annexes per page read, and per `endDueAnnexes` batch (one DescribeInstances for them all). */
export const LEASE_PAGE = 100;
/** Due annexes per message to the workers: a worker's batch of ten messages is one page. */
export const ANNEXES_PER_BATCH = 10;

/**
 * Ends (or hands off) every annex whose lease is over, and settles those due for their budget,
 * within the budget; false when work is left.
 */
export async function sweepLeases(ports: SweepPorts, tick: Tick): Promise<boolean> {
  const due: Annex[] = [];
  const budgetDue: Annex[] = [];
  let startKey: PageKey | undefined;
  do {
    if (tick.timeLeft() <= 0) return false;
    const page = await ports.annexes.dueAnnexes(tick.now, LEASE_PAGE, startKey);
    tick.report.itemsRead += page.itemsRead;
    for (const annex of page.items)
      (isLeaseOver(annex.leaseExpiresAt, tick.now) ? due : budgetDue).push(annex);
    startKey = page.next;
  } while (startKey);
  return (await endExpired(ports, due, tick)) && (await settleBudgets(ports, budgetDue, tick));
}

/** The expired annexes: handed to the workers when there are many, else ended here. */
async function endExpired(ports: SweepPorts, due: Annex[], tick: Tick): Promise<boolean> {
  const ids = due.map((annex) => annex.id);
  if (due.length > ports.dueWork.inlineLimit && (await handedOff(ports, ids, tick))) return true;
  let finished = true;
  for (const page of chunks(due, LEASE_PAGE)) {
    if (tick.timeLeft() <= 0) return false;
    if ((await endDueAnnexes(ports, page, tick)).size > 0) finished = false;
  }
  return finished;
}

/** Re-computes each budget-due annex's spend, ending those whose budget is spent. */
async function settleBudgets(ports: SweepPorts, due: Annex[], tick: Tick): Promise<boolean> {
  let finished = true;
  await mapLimited(due, SWEEP_CONCURRENCY, async (annex) => {
    if (tick.timeLeft() <= 0) {
      finished = false;
      return;
    }
    try {
      await settleBudget(ports, annex, tick.now, tick.report);
    } catch (error) {
      await recordAnnexFailure(ports, tick.report, "ending a due annex", error, annex.id);
    }
  });
  return finished;
}

/** Sends the annexes to the workers; false (logged) when the queue did not take them. */
async function handedOff(ports: SweepPorts, annexIds: string[], tick: Tick): Promise<boolean> {
  try {
    await ports.dueWork.dispatch(
      chunks(annexIds, ANNEXES_PER_BATCH).map((batch) => ({ annexIds: batch, dueAt: tick.now })),
    );
  } catch (error) {
    recordFailure(ports, tick.report, "handing due annexes to the workers", error, {
      annexes: annexIds.length,
    });
    return false;
  }
  for (const id of annexIds) tick.handedOff.add(id);
  tick.report.annexesHandedOff += annexIds.length;
  return true;
}

/**
 * With the hourly full sweep: how many batches the workers gave up on (the dead-letter queue's
 * depth, in the report), and a warning when there are any. Their annexes are still due, so the
 * sweep finds them again; the queue keeps the batches for a look (no alarm, no cost when empty).
 */
export async function checkDeadLetters(ports: SweepPorts, tick: Tick): Promise<boolean> {
  if (!tick.report.fullSweep) return true;
  const deadLetters = await ports.dueWork.deadLetters();
  tick.report.deadLetters = deadLetters;
  if (deadLetters > 0)
    ports.log.warn("enforcer: the workers gave up on batches of due annexes (dead-letter queue)", {
      deadLetters,
    });
  return true;
}
