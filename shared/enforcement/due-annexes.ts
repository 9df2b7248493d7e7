/**
 * Ending a batch of due annexes — a page of the lease sweep, or a worker's share of a tick —
 * termination first: every annex whose lease is still over on its freshest copy goes `stopping`
 * (a racing lease reset wins), then all their instances are terminated together (one call per
 * ≤ 1000 ids, throttle-aware), then each is ended by `endAnnex` (fleets, bundle, instance
 * records, audit, name), which sends nothing twice. One annex's failure is recorded on it and
 * retried at the next tick; the others go on.
 */

import type { Annex } from "../domain/annex.ts";
import { isAlive } from "../domain/ec2.ts";
import { isLeaseOver } from "../domain/lease.ts";
import { mapLimited } from "../domain/lists.ts";
import { endAnnex, startEnding } from "../use-cases/annexes/end-annex.ts";
import { afterTermination, instancesOfAnnexes, terminateAcross } from "./batching.ts";
import { type EnforcePorts, SWEEP_CONCURRENCY, type Tick } from "./ports.ts";
import { recordAnnexFailure } from "./report.ts";

/** Ends the annexes still due; returns the ids of those left for later (failed, or out of budget). */
export async function endDueAnnexes(
  ports: EnforcePorts,
  annexes: readonly Annex[],
  tick: Tick,
): Promise<Set<string>> {
  const { now, report } = tick;
  const left = new Set<string>();
  const fail = async (annexId: string, error: unknown) => {
    left.add(annexId);
    await recordAnnexFailure(ports, report, "ending an expired annex", error, annexId);
  };
  const stillDue = (fresh: Annex) => isLeaseOver(fresh.leaseExpiresAt, now);
  const prefetched = await instancesOfAnnexes(
    ports.ec2,
    annexes.map((annex) => annex.id),
  ).catch(() => new Map()); // each annex then asks EC2 itself, in endAnnex

  const stopping: Annex[] = [];
  await mapLimited(annexes, SWEEP_CONCURRENCY, async (annex) => {
    if (tick.timeLeft() <= 0) return void left.add(annex.id);
    try {
      const current = await startEnding(ports, annex, "expired", now, stillDue);
      if (current.state === "stopping") stopping.push(current);
    } catch (error) {
      await fail(annex.id, error);
    }
  });

  const idsByAnnex = new Map(
    stopping.flatMap((annex) => {
      const found: { id: string; state: string }[] | undefined = prefetched.get(annex.id);
      return found ? [[annex.id, found.filter((i) => isAlive(i.state)).map((i) => i.id)]] : [];
    }),
  );
  const refused = await terminateAcross(
    (ids) => ports.ec2.terminate(ids),
    idsByAnnex,
    tick.timeLeft,
    tick.pause,
  );
  for (const [annexId, error] of refused) await fail(annexId, error);
  const terminated = new Set(
    [...idsByAnnex].flatMap(([annexId, ids]) => (refused.has(annexId) ? [] : ids)),
  );

  const endPorts = { ...ports, ec2: afterTermination(ports.ec2, prefetched, terminated) };
  await mapLimited(
    stopping.filter((annex) => !refused.has(annex.id)),
    SWEEP_CONCURRENCY,
    async (annex) => {
      if (tick.timeLeft() <= 0) return void left.add(annex.id); // stopping: the next tick ends it
      try {
        const ended = await endAnnex(endPorts, annex, "expired", now, stillDue);
        report.instancesTerminated.expired += ended.terminated.length;
        if (ended.annex.state === "ended") report.annexesEnded += 1;
      } catch (error) {
        await fail(annex.id, error);
      }
    },
  );
  return left;
}
