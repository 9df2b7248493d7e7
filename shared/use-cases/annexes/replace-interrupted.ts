/**
 * The replacement of an interrupted spot instance of a fleet annex that asked for it
 * (`replaceInterrupted`): the capacity the instance counted for, from the cheapest pool that is
 * not its own (falling back to on-demand as the annex does), only while more than the boot
 * grace is left on the lease. Written ahead: the client token (and the pools left out) are saved
 * on the interrupted instance's record before the launch, so a retry or a concurrent run
 * replays the same request and never launches twice.
 */

import type { Annex, AnnexInstance, Replacement } from "../../domain/annex.ts";
import { type FleetAsk, type Pool, weightOf } from "../../domain/fleet.ts";
import { pendingReplacement, replacementRefusal } from "../../domain/interruption.ts";
import { isLive } from "../../domain/state-machine.ts";
import { freshInstance, retryOnStale } from "../retry-on-stale.ts";
import { fillCapacity } from "./fleet-capacity.ts";
import { auditFill, recordFilled } from "./fleet-records.ts";
import { releaseFleetResources } from "./launch-fleet.ts";
import type { ReplacePorts } from "./ports.ts";

/** What happened: launched (with the new ids), given up (with why), or nothing was due. */
export type ReplaceOutcome =
  | { outcome: "launched"; instanceIds: string[] }
  | { outcome: "skipped"; reason: string }
  | { outcome: "not-due" };

/** Replaces `record` at `now` if its replacement is due. */
export async function replaceInterrupted(
  ports: ReplacePorts,
  interrupted: Pick<AnnexInstance, "annexId" | "instanceId">,
  now: number,
): Promise<ReplaceOutcome> {
  const record = await ports.instances.getInstance(interrupted.annexId, interrupted.instanceId);
  if (record === undefined || pendingReplacement(record) === undefined)
    return { outcome: "not-due" };
  const annex = await ports.annexes.getAnnex(record.annexId);
  const refusal =
    replacementRefusal(annex, now) ??
    (annex?.fleetLaunchTemplateId ? undefined : "the annex has no launch template");
  if (refusal !== undefined || annex === undefined || annex.fleet === undefined) {
    const done = await settle(ports, record, { skippedBecause: refusal ?? "" }, now);
    if (done)
      await audit(ports, record, `no replacement for ${record.instanceId}: ${refusal}`, now);
    return done ? { outcome: "skipped", reason: refusal ?? "" } : { outcome: "not-due" };
  }
  const fleetAnnex = { ...annex, fleet: annex.fleet };
  const claimed = await writeAhead(ports, record, fleetAnnex, now);
  if (claimed?.clientToken === undefined) return { outcome: "not-due" };
  const units = record.capacityUnits ?? weightOf(annex.fleet, record.instanceType);
  const filled = await fillCapacity(
    ports,
    fleetAnnex,
    {
      spot: units,
      onDemand: 0,
      fallback: annex.fleet.onDemandFallback,
      skipped: claimed.skippedPools ?? [],
      clientToken: claimed.clientToken,
      launchTemplateId: annex.fleetLaunchTemplateId as string,
    },
    now,
  );
  const ids = filled.instances.map((i) => i.instanceId);
  await recordFilled(ports, annex, filled.instances, now, record.instanceId);
  await auditFill(ports, fleetAnnex, filled, units, now, "replacement");
  await settle(
    ports,
    record,
    ids.length > 0 ? { instanceIds: ids } : { skippedBecause: "EC2 had no capacity" },
    now,
  );
  await endedMeanwhile(ports, annex, filled.fleetIds, ids);
  return ids.length > 0
    ? { outcome: "launched", instanceIds: ids }
    : { outcome: "skipped", reason: "EC2 had no capacity" };
}

/** Saves the client token and the pools to leave out (its own, and those remembered short), once. */
async function writeAhead(
  ports: ReplacePorts,
  record: AnnexInstance,
  annex: Annex & { fleet: FleetAsk },
  now: number,
): Promise<Replacement | undefined> {
  const own: Pool = {
    instanceType: record.instanceType,
    availabilityZone: record.availabilityZone ?? "unknown",
    market: "spot",
  };
  const remembered = await ports.capacityMemory.recent(now);
  const saved = await retryOnStale(record, freshInstance(ports.instances), async (current) => {
    const replacement = current.replacement;
    if (replacement === undefined || pendingReplacement(current) === undefined) return current;
    if (replacement.clientToken !== undefined) return current;
    const clientToken = `${annex.id}.r.${current.instanceId}`;
    return ports.instances.saveInstance({
      ...current,
      replacement: { ...replacement, clientToken, skippedPools: [own, ...remembered] },
    });
  });
  return pendingReplacement(saved) === undefined ? undefined : saved.replacement;
}

/** Marks the replacement done (launched, or given up); false when it was not pending. */
async function settle(
  ports: ReplacePorts,
  record: AnnexInstance,
  result: Pick<Replacement, "instanceIds" | "skippedBecause">,
  now: number,
): Promise<boolean> {
  let settled = false;
  await retryOnStale(record, freshInstance(ports.instances), async (current) => {
    settled = current.replacement !== undefined && pendingReplacement(current) !== undefined;
    if (!settled || current.replacement === undefined) return current;
    return ports.instances.saveInstance({
      ...current,
      replacement: { ...current.replacement, ...result, doneAt: now },
    });
  });
  return settled;
}

/** An annex that ended while its replacement launched: the new instances and fleets go too. */
async function endedMeanwhile(
  ports: ReplacePorts,
  annex: Annex,
  fleetIds: string[],
  ids: string[],
) {
  const fresh = await ports.annexes.getAnnex(annex.id);
  if (fresh !== undefined && isLive(fresh.state) && fresh.state !== "stopping") return;
  await releaseFleetResources(ports, annex.id, fleetIds);
  if (ids.length > 0) await ports.ec2.terminate(ids);
}

function audit(ports: ReplacePorts, record: AnnexInstance, message: string, now: number) {
  return ports.instances.appendEvent({
    annexId: record.annexId,
    at: now,
    type: "replacement-skipped",
    message,
    instanceIds: [record.instanceId],
  });
}
