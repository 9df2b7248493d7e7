/**
 * Ending an annex — by `off`, by lease expiry, or when nothing is left — the same idempotent
 * way: `stopping` first (so a crash resumes here), terminate every instance tagged with the annex
 * id, delete the bundle, close the instance records, then `ended` with the reason.
 */

import type { Annex, EndReason } from "../domain/annex.ts";
import { StaleAnnexError } from "../domain/stale.ts";
import { transition } from "../domain/state-machine.ts";
import type { AnnexPorts } from "./ports.ts";

export type EndPorts = Pick<AnnexPorts, "annexes" | "instances" | "store" | "ec2">;

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
  if (ids.length > 0) await ports.ec2.terminate(ids);
  if (current.configKey) await ports.store.deleteBundle(current.configKey);
  for (const record of await ports.instances.listInstances(current.id)) {
    if (record.endedAt === undefined) {
      await ports.instances
        .saveInstance({
          ...record,
          endedAt: now,
          ec2State: ids.includes(record.instanceId) ? "shutting-down" : record.ec2State,
        })
        .catch(() => undefined); // a concurrent heartbeat may have moved it; the reconciler closes it later
    }
  }
  const endReason = current.endReason ?? reason;
  await ports.instances.appendEvent({
    annexId: current.id,
    at: now,
    type: endReason,
    message:
      ids.length > 0
        ? `terminated ${ids.length} instance(s); annex ended (${endReason})`
        : `annex ended (${endReason})`,
    ...(ids.length > 0 ? { instanceIds: ids } : {}),
  });
  const ended = await ports.annexes.saveAnnex(transition(current, "ended", endReason), now);
  await ports.annexes.releaseName(ended.owner, ended.name, ended.id);
  return { annex: ended, terminated: ids };
}
