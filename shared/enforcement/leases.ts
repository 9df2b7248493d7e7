/**
 * The lease sweep: live annexes whose lease is over, read one page at a time from the
 * `live-by-lease` index, each ended by `endAnnex` (reason `expired`) exactly as `off` ends one.
 * The `stillDue` check on every fresh copy lets a racing lease reset win.
 */

import type { Annex } from "../domain/annex.ts";
import { isLeaseOver } from "../domain/lease.ts";
import { StaleAnnexError } from "../domain/stale.ts";
import { endAnnex } from "../use-cases/annexes/end-annex.ts";
import { batchedEc2, instancesOfAnnexes, TerminateBatcher } from "./batching.ts";
import {
  type EnforcePorts,
  mapLimited,
  recordFailure,
  type SweepReport,
  type TimeLeft,
} from "./ports.ts";

/** Due annexes per page (one DescribeInstances for all of them). */
export const LEASE_PAGE = 100;
/** Annexes ended at once; their TerminateInstances calls share batches. */
const CONCURRENCY = 16;

/** Ends every annex whose lease is over, until none is left or the budget runs out; false when work is left. */
export async function sweepLeases(
  ports: EnforcePorts,
  now: number,
  timeLeft: TimeLeft,
  report: SweepReport,
): Promise<boolean> {
  let startKey: Record<string, unknown> | undefined;
  let finished = true;
  do {
    if (timeLeft() <= 0) return false;
    const page = await ports.annexes.dueLeases(now, LEASE_PAGE, startKey);
    report.itemsRead += page.itemsRead;
    const prefetched = await instancesOfAnnexes(
      ports.ec2,
      page.annexes.map((annex) => annex.id),
    ).catch(() => new Map()); // each annex then asks EC2 itself
    const batcher = new TerminateBatcher((ids) => ports.ec2.terminate(ids));
    const pagePorts = { ...ports, ec2: batchedEc2(ports.ec2, prefetched, batcher) };
    await mapLimited(page.annexes, CONCURRENCY, async (annex) => {
      if (timeLeft() <= 0) {
        finished = false;
        return;
      }
      try {
        await batcher.run(() => endExpired(pagePorts, annex, now, report));
      } catch (error) {
        recordFailure(ports, report, "ending an expired annex", error, { annexId: annex.id });
      }
    });
    startKey = page.next;
  } while (startKey && finished);
  return finished;
}

/** Ends one annex as expired if its lease (on the freshest copy) is still over. */
async function endExpired(
  ports: EnforcePorts,
  annex: Annex,
  now: number,
  report: SweepReport,
): Promise<void> {
  try {
    const { annex: after, terminated } = await endAnnex(ports, annex, "expired", now, (fresh) =>
      isLeaseOver(fresh.leaseExpiresAt, now),
    );
    report.instancesTerminated.expired += terminated.length;
    if (after.state === "ended") report.annexesEnded += 1;
  } catch (error) {
    // A concurrent `off` or sweep ended it between our terminate and our final write: done.
    if (!(error instanceof StaleAnnexError)) throw error;
    const fresh = await ports.annexes.getAnnex(annex.id);
    if (fresh?.state !== "ended") throw error;
  }
}
