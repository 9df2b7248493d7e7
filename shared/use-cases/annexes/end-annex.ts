/**
 * Ending an annex — by `off`, by lease expiry, or when nothing is left — the same idempotent
 * way: `stopping` first (so a crash resumes here), cancel the spot fleet if any (terminating its
 * instances, so it launches no more), delete EC2 Fleets and their launch template, terminate every
 * instance tagged with the annex id, delete the bundle, close the instance records, then `ended`
 * with the reason and the final cost.
 */

import type { Annex, AnnexInstance, EndReason } from "../../domain/annex.ts";
import type { AnnexCost } from "../../domain/budget.ts";
import { isAlive } from "../../domain/ec2.ts";
import { formatUsd } from "../../domain/estimate.ts";
import { mapLimited } from "../../domain/lists.ts";
import { StaleInstanceError } from "../../domain/stale.ts";
import { transition } from "../../domain/state-machine.ts";
import { freshAnnex, retryOnStale } from "../retry-on-stale.ts";
import { finalCost } from "./cost.ts";
import { releaseFleetResources } from "./launch-fleet.ts";
import type { EndPorts } from "./ports.ts";

/**
 * Ends `annex` for `reason` unless `stillDue` (checked on every fresh copy) says otherwise.
 * Returns the annex as it ended (or as it stands when it was no longer due), and the ids this
 * call terminated. A concurrent run of the same sequence is no error: one of them audits the end.
 */
export async function endAnnex(
  ports: EndPorts,
  annex: Annex,
  reason: EndReason,
  now: number,
  stillDue: (fresh: Annex) => boolean = () => true,
): Promise<{ annex: Annex; terminated: string[] }> {
  const reread = freshAnnex(ports.annexes);
  const current = await startEnding(ports, annex, reason, now, stillDue);
  if (current.state !== "stopping") return { annex: current, terminated: [] };

  const alive = (await ports.ec2.findByAnnex(current.id)).filter((i) => isAlive(i.state));
  const ids = alive.map((instance) => instance.id);
  // Cancelled first so the fleet launches nothing more; terminating its instances again is harmless.
  if (current.fleetId !== undefined) await ports.fleets.cancel(current.fleetId);
  // EC2 Fleets are found by tag (a crash may have left one unrecorded), deleted with their template.
  if (current.kind === "fleet") await releaseFleetResources(ports, current.id);
  if (ids.length > 0) await ports.ec2.terminate(ids);
  if (current.configKey) await ports.store.deleteBundle(current.configKey);
  const { wentOnTheirOwn, records } = await closeRecords(ports, current.id, ids, now);
  const endReason = current.endReason ?? reason;
  const cost = await finalCost(ports, current, records, now);
  const { ended, here } = await retryOnStale(current, reread, async (fresh) =>
    fresh.state === "ended"
      ? { ended: fresh, here: false } // another run of this sequence ended it and audited it
      : {
          ended: await ports.annexes.saveAnnex(
            { ...transition(fresh, "ended", endReason), cost },
            now,
          ),
          here: true,
        },
  );
  if (!here) return { annex: ended, terminated: ids };
  await ports.instances.appendEvent({
    annexId: ended.id,
    at: now,
    type: endReason,
    message: endMessage(ids.length, wentOnTheirOwn, endReason, cost),
    ...(ids.length > 0 ? { instanceIds: ids } : {}),
  });
  await ports.claims.releaseName(ended.owner, ended.name, ended.id);
  return { annex: ended, terminated: ids };
}

/**
 * The first step of ending: `stopping` (with the reason), unless the annex is already stopping or
 * ended, or `stillDue` says no on its freshest copy. Returns the annex as it now stands; from
 * `stopping` on, a crash resumes the end (the lease sweep finds it), and a lease reset is refused.
 */
export function startEnding(
  ports: Pick<EndPorts, "annexes">,
  annex: Annex,
  reason: EndReason,
  now: number,
  stillDue: (fresh: Annex) => boolean = () => true,
): Promise<Annex> {
  return retryOnStale(annex, freshAnnex(ports.annexes), async (fresh) =>
    fresh.state === "stopping" || fresh.state === "ended" || !stillDue(fresh)
      ? fresh
      : ports.annexes.saveAnnex(transition(fresh, "stopping", reason), now),
  );
}

/** Instance records closed at once when an annex ends. */
const RECORD_CONCURRENCY = 8;

/**
 * Closes the annex's open instance records; returns how many had shut down on their own, and
 * every record as it ends (what the final cost is billed from).
 */
async function closeRecords(
  ports: EndPorts,
  annexId: string,
  terminated: string[],
  now: number,
): Promise<{ wentOnTheirOwn: number; records: AnnexInstance[] }> {
  let wentOnTheirOwn = 0;
  const records = await ports.instances.listInstances(annexId);
  const open = records.filter((r) => r.endedAt === undefined);
  // Independent records: closed a few at a time, so a large annex ends within one tick.
  await mapLimited(open, RECORD_CONCURRENCY, async (record) => {
    const terminatedHere = terminated.includes(record.instanceId);
    if (!terminatedHere) wentOnTheirOwn += 1;
    await ports.instances
      .saveInstance({
        ...record,
        endedAt: now,
        ec2State: terminatedHere ? "shutting-down" : record.ec2State,
      })
      .catch((error: unknown) => {
        // A concurrent heartbeat or event moved the record; the enforcer closes it on its deadline.
        if (!(error instanceof StaleInstanceError)) throw error;
      });
  });
  return { wentOnTheirOwn, records };
}

function endMessage(
  terminated: number,
  wentOnTheirOwn: number,
  reason: EndReason,
  cost: AnnexCost,
): string {
  const parts = [
    ...(terminated > 0 ? [`terminated ${terminated} instance(s)`] : []),
    ...(wentOnTheirOwn > 0 ? [`${wentOnTheirOwn} instance(s) had already shut down`] : []),
  ];
  const unpriced = cost.unknownTypes
    ? ` (not counting ${cost.unknownTypes.join(", ")}: no price)`
    : "";
  return `${parts.length > 0 ? `${parts.join(", ")}; ` : ""}annex ended (${reason}); final cost ${formatUsd(cost.spentUsd)}${unpriced}`;
}
