/**
 * The instance-deadline sweep: instances whose idle or boot deadline has passed (or whose
 * replacement is due after an interruption), read one page at a time from the
 * `instances-by-deadline` index. Due replacements launch first. Each page is re-read
 * consistently, looked up in EC2 once, terminated in one batch, closed and audited; annexes left
 * with no instance end, the others have their spend re-computed.
 */

import type { AnnexInstance } from "../domain/annex.ts";
import { hasBudget } from "../domain/budget.ts";
import { FILTER_VALUES, isGone } from "../domain/ec2.ts";
import { pendingReplacement } from "../domain/interruption.ts";
import { type TerminationReason, terminationReason } from "../domain/lease.ts";
import { chunks, mapLimited } from "../domain/lists.ts";
import type { PageKey } from "../ports/repositories.ts";
import { reviseCost } from "../use-cases/annexes/cost.ts";
import { replaceInterrupted } from "../use-cases/annexes/replace-interrupted.ts";
import { terminateIsolating } from "./batching.ts";
import { type EnforcePorts, SWEEP_CONCURRENCY, type Tick } from "./ports.ts";
import {
  annexesById,
  audit,
  closeInstance,
  endIfNoneLeft,
  TERMINATION_EVENTS,
} from "./reconcile.ts";
import { recordFailure, type SweepReport } from "./report.ts";

/** Due instances per page: one TerminateInstances call, a few DescribeInstances calls. */
export const DEADLINE_PAGE = 500;

interface Due {
  instance: AnnexInstance;
  reason: TerminationReason;
  /** Whether its annex has a budget (whose deadline then moves when the instance ends). */
  budgeted: boolean;
  /** EC2's state, when EC2 already has it gone. */
  goneAs?: string;
}

/**
 * Sweeps due instances until none is left or the budget runs out; false when work is left. The
 * instances of annexes handed to the workers this tick are theirs to end.
 */
export async function sweepDeadlines(ports: EnforcePorts, tick: Tick): Promise<boolean> {
  const { now, report } = tick;
  let startKey: PageKey | undefined;
  do {
    if (tick.timeLeft() <= 0) return false;
    const page = await ports.instances.dueInstances(now, DEADLINE_PAGE, startKey);
    report.itemsRead += page.itemsRead;
    const mine = page.items.filter((instance) => !tick.handedOff.has(instance.annexId));
    try {
      await enforcePage(ports, mine, now, report);
    } catch (error) {
      recordFailure(ports, report, "instance deadlines", error, {
        instances: page.items.length,
      });
    }
    startKey = page.next;
  } while (startKey);
  return true;
}

async function enforcePage(
  ports: EnforcePorts,
  indexed: AnnexInstance[],
  now: number,
  report: SweepReport,
): Promise<void> {
  await replaceDue(ports, indexed, now, report);
  let due = await whatIsDue(ports, indexed, now);
  if (due.length === 0) return;
  const byId = new Map(due.map((entry) => [entry.instance.instanceId, entry]));
  for (const part of chunks([...byId.keys()], FILTER_VALUES)) {
    for (const found of await ports.ec2.byIds(part)) {
      const entry = byId.get(found.id);
      if (entry !== undefined && isGone(found.state)) entry.goneAs = found.state;
    }
  }
  // Unknown to Describe (not yet visible, or purged) is terminated too: terminate skips unknown ids.
  const wanted = due.filter((entry) => entry.goneAs === undefined);
  const refused = new Set(
    await terminateIsolating(
      (ids) => ports.ec2.terminate(ids),
      wanted.map((entry) => entry.instance.instanceId),
    ),
  );
  if (refused.size > 0) {
    const error = new Error(`EC2 refused to terminate ${[...refused].join(", ")}`);
    recordFailure(ports, report, "terminating instances", error, { instanceIds: [...refused] });
  }
  const toTerminate = wanted.filter((entry) => !refused.has(entry.instance.instanceId));
  due = due.filter((entry) => !refused.has(entry.instance.instanceId));
  const closedHere = await mapLimited(due, SWEEP_CONCURRENCY, async (entry) => {
    try {
      return (
        (await closeInstance(ports, entry.instance, entry.goneAs ?? "shutting-down", now)) !==
        undefined
      );
    } catch (error) {
      const { annexId, instanceId } = entry.instance;
      recordFailure(ports, report, "closing an instance record", error, { annexId, instanceId });
      return false;
    }
  });
  for (const entry of toTerminate) report.instancesTerminated[entry.reason] += 1;
  // Audited once, by whoever closed the record (a concurrent sweep may have).
  const audited = due.filter((_, i) => closedHere[i]);
  await auditAndEnd(ports, audited, due, now, report);
}

/** Launches the replacements due on the page (each re-reads its record: the index lags). */
async function replaceDue(
  ports: EnforcePorts,
  indexed: AnnexInstance[],
  now: number,
  report: SweepReport,
): Promise<void> {
  const due = indexed.filter((instance) => (pendingReplacement(instance) ?? now + 1) <= now);
  await mapLimited(due, SWEEP_CONCURRENCY, async (instance) => {
    try {
      const result = await replaceInterrupted(ports, instance, now);
      if (result.outcome === "launched") {
        report.replacementsLaunched += 1;
        await reviseCost(ports, instance.annexId, now); // the replacement burns too
      }
      // An annex that waited for this replacement may have nothing left now.
      if (result.outcome === "skipped" && (await endIfNoneLeft(ports, instance.annexId, now)))
        report.annexesEnded += 1;
    } catch (error) {
      const { annexId, instanceId } = instance;
      recordFailure(ports, report, "replacing an interrupted instance", error, {
        annexId,
        instanceId,
      });
    }
  });
}

/** The page's instances, re-read consistently (the index lags), that are due now, with why. */
async function whatIsDue(
  ports: EnforcePorts,
  indexed: AnnexInstance[],
  now: number,
): Promise<Due[]> {
  const fresh = await mapLimited(indexed, SWEEP_CONCURRENCY, (instance) =>
    ports.instances.getInstance(instance.annexId, instance.instanceId),
  );
  const annexes = await annexesById(
    ports,
    indexed.map((instance) => instance.annexId),
  );
  return fresh.flatMap((instance) => {
    if (instance === undefined) return [];
    const annex = annexes.get(instance.annexId);
    const reason = terminationReason(annex, instance, now);
    const budgeted = annex !== undefined && hasBudget(annex);
    return reason === undefined ? [] : [{ instance, reason, budgeted }];
  });
}

/** One audit entry per annex and reason; then the annexes left with no instance end. */
async function auditAndEnd(
  ports: EnforcePorts,
  audited: Due[],
  due: Due[],
  now: number,
  report: SweepReport,
): Promise<void> {
  const groups = new Map<string, Due[]>();
  for (const entry of audited) {
    const key = `${entry.instance.annexId} ${entry.goneAs === undefined ? entry.reason : "gone"}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
    if (entry.goneAs !== undefined) report.instancesGone += 1;
  }
  await mapLimited([...groups.values()], SWEEP_CONCURRENCY, async (entries) => {
    const first = entries[0] as Due;
    const annexId = first.instance.annexId;
    const ids = entries.map((entry) => entry.instance.instanceId);
    const event = TERMINATION_EVENTS[first.reason];
    const [type, message] =
      first.goneAs === undefined
        ? [event.type, `terminated ${ids.length} instance(s): ${event.why}`]
        : ["instance-gone", `${ids.length} instance(s) already gone in EC2`];
    await audit(ports, annexId, now, type, message, ids).catch((error: unknown) =>
      recordFailure(ports, report, "audit", error, { annexId }),
    );
  });
  const annexIds = [...new Set(due.map((entry) => entry.instance.annexId))];
  const budgeted = new Set(due.filter((e) => e.budgeted).map((e) => e.instance.annexId));
  await mapLimited(annexIds, SWEEP_CONCURRENCY, async (annexId) => {
    try {
      if ((await endIfNoneLeft(ports, annexId, now)) !== undefined) report.annexesEnded += 1;
      // Fewer instances burn: a budget's deadline moves (status corrects the others' spend).
      else if (budgeted.has(annexId)) await reviseCost(ports, annexId, now);
    } catch (error) {
      recordFailure(ports, report, "ending an annex with no instance left", error, { annexId });
    }
  });
}
