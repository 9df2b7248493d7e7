/**
 * The lease sweep: live annexes whose next deadline has come, read one page at a time from the
 * `live-by-deadline` index. One whose lease is over is ended by `endAnnex` (reason `expired`)
 * exactly as `off` ends one; any other is due for its budget (budget.ts). The `stillDue` check on
 * every fresh copy lets a racing lease reset win.
 */

import type { Annex } from "../domain/annex.ts";
import { isLeaseOver } from "../domain/lease.ts";
import { mapLimited } from "../domain/lists.ts";
import type { PageKey } from "../ports/repositories.ts";
import { endAnnex } from "../use-cases/annexes/end-annex.ts";
import type { EndPorts } from "../use-cases/annexes/ports.ts";
import { batchedEc2, instancesOfAnnexes, TerminateBatcher } from "./batching.ts";
import { settleBudget } from "./budget.ts";
import { type EnforcePorts, SWEEP_CONCURRENCY, type TimeLeft } from "./ports.ts";
import { recordAnnexFailure, type SweepReport } from "./report.ts";

/** Due annexes per page (one DescribeInstances for all of them). */
export const LEASE_PAGE = 100;

/** Ends every annex whose lease is over, until none is left or the budget runs out; false when work is left. */
export async function sweepLeases(
  ports: EnforcePorts,
  now: number,
  timeLeft: TimeLeft,
  report: SweepReport,
): Promise<boolean> {
  let startKey: PageKey | undefined;
  let finished = true;
  do {
    if (timeLeft() <= 0) return false;
    const page = await ports.annexes.dueAnnexes(now, LEASE_PAGE, startKey);
    report.itemsRead += page.itemsRead;
    const prefetched = await instancesOfAnnexes(
      ports.ec2,
      page.items.map((annex) => annex.id),
    ).catch(() => new Map()); // each annex then asks EC2 itself
    const batcher = new TerminateBatcher((ids) => ports.ec2.terminate(ids));
    const pagePorts = { ...ports, ec2: batchedEc2(ports.ec2, prefetched, batcher) };
    await mapLimited(page.items, SWEEP_CONCURRENCY, async (annex) => {
      if (timeLeft() <= 0) {
        finished = false;
        return;
      }
      try {
        await batcher.run(() =>
          isLeaseOver(annex.leaseExpiresAt, now)
            ? endExpired(pagePorts, annex, now, report)
            : settleBudget(pagePorts, annex, now, report),
        );
      } catch (error) {
        await recordAnnexFailure(ports, report, "ending a due annex", error, annex.id);
      }
    });
    startKey = page.next;
  } while (startKey && finished);
  return finished;
}

/** Ends one annex as expired if its lease (on the freshest copy) is still over. */
async function endExpired(
  ports: EndPorts,
  annex: Annex,
  now: number,
  report: SweepReport,
): Promise<void> {
  const { annex: after, terminated } = await endAnnex(ports, annex, "expired", now, (fresh) =>
    isLeaseOver(fresh.leaseExpiresAt, now),
  );
  report.instancesTerminated.expired += terminated.length;
  if (after.state === "ended") report.annexesEnded += 1;
}
