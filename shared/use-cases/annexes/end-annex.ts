/**
 * Ending an annex — by `off`, by lease expiry, or when nothing is left — the same idempotent
 * way: `stopping` first (so a crash resumes here), cancel the spot fleet if any (terminating its
 * instances, so it launches no more), terminate every instance tagged with the annex id, delete the bundle, close the instance records, then `ended` with the reason.
 */

import type { Annex, EndReason } from "../../domain/annex.ts";
import { ConflictError } from "../../domain/errors.ts";
import { StaleAnnexError } from "../../domain/stale.ts";
import { transition } from "../../domain/state-machine.ts";
import type { AnnexPorts } from "./ports.ts";

export type EndPorts = Pick<AnnexPorts, "annexes" | "instances" | "store"> & {
  ec2: Omit<AnnexPorts["ec2"], "findByOwner">;
  fleets: Pick<AnnexPorts["fleets"], "cancel">;
};

const ALIVE = new Set(["pending", "running", "stopping", "stopped"]);

/**
 * Ends `annex` for `reason` unless `stillDue` (checked on every fresh copy) says otherwise.
 * Returns the annex as it ended (or as it stands when it was no longer due), and the EC2 calls made.
 */
export async function endAnnex(
  ports: EndPorts,
  annex: Annex,
  reason: EndReason,
  now: number,
  stillDue: (fresh: Annex) => boolean = () => true,
): Promise<{ annex: Annex; terminated: string[] }> {
  let current = annex;
  while (current.state !== "stopping" && current.state !== "ended") {
    if (!stillDue(current)) return { annex: current, terminated: [] };
    try {
      current = await ports.annexes.saveAnnex(transition(current, "stopping", reason), now);
    } catch (error) {
      if (!(error instanceof StaleAnnexError)) throw error;
      current = (await ports.annexes.getAnnex(annex.id)) ?? current;
    }
  }
  if (current.state === "ended") return { annex: current, terminated: [] };

  const alive = (await ports.ec2.findByAnnex(current.id)).filter((instance) =>
    ALIVE.has(instance.state),
  );
  const ids = alive.map((instance) => instance.id);
  // Cancelled first so the fleet launches nothing more; terminating its instances again is harmless.
  if (current.fleetId !== undefined) await ports.fleets.cancel(current.fleetId);
  if (ids.length > 0) await ports.ec2.terminate(ids);
  if (current.configKey) await ports.store.deleteBundle(current.configKey);
  let wentOnTheirOwn = 0;
  for (const record of await ports.instances.listInstances(current.id)) {
    if (record.endedAt !== undefined) continue;
    const terminatedHere = ids.includes(record.instanceId);
    if (!terminatedHere) wentOnTheirOwn += 1;
    await ports.instances
      .saveInstance({
        ...record,
        endedAt: now,
        ec2State: terminatedHere ? "shutting-down" : record.ec2State,
      })
      .catch((error: unknown) => {
        // A concurrent heartbeat or event moved the record; the enforcer closes it on its deadline.
        if (!(error instanceof ConflictError)) throw error;
      });
  }
  const endReason = current.endReason ?? reason;
  let ended: Annex;
  try {
    ended = await ports.annexes.saveAnnex(transition(current, "ended", endReason), now);
  } catch (error) {
    // Another run of this same sequence (an `off` racing the sweep) ended it first and audited it.
    if (!(error instanceof StaleAnnexError)) throw error;
    const fresh = (await ports.annexes.getAnnex(annex.id)) ?? current;
    if (fresh.state === "ended") return { annex: fresh, terminated: ids };
    throw error;
  }
  await ports.instances.appendEvent({
    annexId: ended.id,
    at: now,
    type: endReason,
    message: endMessage(ids.length, wentOnTheirOwn, endReason),
    ...(ids.length > 0 ? { instanceIds: ids } : {}),
  });
  await ports.annexes.releaseName(ended.owner, ended.name, ended.id);
  return { annex: ended, terminated: ids };
}

function endMessage(terminated: number, wentOnTheirOwn: number, reason: EndReason): string {
  const parts = [
    ...(terminated > 0 ? [`terminated ${terminated} instance(s)`] : []),
    ...(wentOnTheirOwn > 0 ? [`${wentOnTheirOwn} instance(s) had already shut down`] : []),
  ];
  return `${parts.length > 0 ? `${parts.join(", ")}; ` : ""}annex ended (${reason})`;
}
