/**
 * The launch step of create: RunInstances (on-demand) or RequestSpotFleet (spot-fleet), and
 * recording what was launched so that nothing outlives an annex that ended during its launch.
 */

import type { Annex } from "../../domain/annex.ts";
import { placementOf } from "../../domain/ec2.ts";
import { bootDeadline } from "../../domain/lease.ts";
import type { CreateAnnexRequest } from "../../domain/requests/create-annex.ts";
import { ec2ClientToken } from "../../domain/requests/request-hash.ts";
import { fleetRequestConfig } from "../../domain/spot-fleet.ts";
import { isLive, transition } from "../../domain/state-machine.ts";
import { isoFromEpoch, launchTags } from "../../domain/tags.ts";
import { freshAnnex, retryOnStale } from "../retry-on-stale.ts";
import { releaseFleetResources } from "./launch-fleet.ts";
import type { AnnexPorts } from "./ports.ts";

/** What the launch step produced: instance ids (on-demand, EC2 Fleet) or a spot fleet whose instances come later. */
export interface Launched {
  ids: string[];
  /** The spot fleet request (spot-fleet). */
  fleetId?: string;
  /** The instant EC2 Fleets (fleet), deleted with the instances if the annex ended meanwhile. */
  fleetIds?: string[];
  /** What the annex records of the launch (a fleet's outcome). */
  changes?: Partial<Annex>;
}

/** RequestSpotFleet for the annex; its instances are recorded when they bootstrap. */
export async function requestFleet(
  ports: AnnexPorts,
  annex: Annex,
  request: Extract<CreateAnnexRequest, { kind: "spot-fleet" }>,
  userData: string,
): Promise<Launched> {
  const config = fleetRequestConfig(annex, request.spotFleetConfig, {
    userData,
    fleetRoleArn: ports.spotFleetRoleArn,
    instanceProfileName: ports.instanceProfileName,
    stage: ports.stage,
  });
  const fleetId = await ports.fleets.request(config, ec2ClientToken(annex.name, annex.id));
  return { ids: [], fleetId };
}

/** RunInstances for an on-demand annex, then its instance records and audit entries. */
export async function launchInstances(
  ports: AnnexPorts,
  annex: Annex,
  userData: string,
  now: number,
): Promise<Launched> {
  const launched = await ports.ec2.launch({
    clientToken: ec2ClientToken(annex.name, annex.id),
    imageId: annex.imageId,
    instanceType: annex.instanceType,
    count: annex.requestedCount,
    userData,
    securityGroupIds: annex.securityGroupIds,
    keyName: annex.keyName,
    instanceProfileName: ports.instanceProfileName,
    tags: launchTags(annex, ports.stage),
  });
  await ports.instances.addInstances(
    launched.map((instance) => ({
      annexId: annex.id,
      instanceId: instance.id,
      instanceType: instance.type,
      ec2State: instance.state,
      launchedAt: instance.launchedAt || now,
      bootDeadline: bootDeadline(instance.launchedAt || now, annex.bootGraceSeconds),
      ...placementOf(instance),
      version: 1,
    })),
  );
  return { ids: launched.map((instance) => instance.id) };
}

/** The launch's audit entries, written once: by the request that moved the annex to `provisioning`. */
async function auditLaunch(ports: AnnexPorts, annex: Annex, launched: Launched, now: number) {
  if (annex.kind === "fleet") return; // an EC2 Fleet launch audits what each fleet gave as it records it
  const { ids, fleetId } = launched;
  const event = (type: string, message: string) =>
    ports.instances.appendEvent({
      annexId: annex.id,
      at: now,
      type,
      message,
      ...(fleetId === undefined ? { instanceIds: ids } : {}),
    });
  if (fleetId !== undefined) {
    const until = isoFromEpoch(annex.fleetValidUntil ?? annex.leaseExpiresAt);
    await event(
      "launched",
      `requested spot fleet ${fleetId} for ${annex.requestedCount} slots until ${until}`,
    );
    return;
  }
  await event("launched", `launched ${ids.length} instance(s)`);
  if (ids.length < annex.requestedCount) {
    await event(
      "partial-capacity",
      `EC2 had capacity for ${ids.length} of ${annex.requestedCount} ${annex.instanceType} instances`,
    );
  }
}

/**
 * Moves the annex to `provisioning`. If another request changed it meanwhile (an `off`, a replay),
 * the fresh copy decides: a live one is moved on, one that is no longer live has the instances
 * (or fleet) just launched terminated, so nothing outlives an annex that ended during its own launch.
 */
export async function recordLaunch(
  ports: AnnexPorts,
  annex: Annex,
  configKey: string,
  launched: Launched,
  now: number,
): Promise<Annex> {
  const { ids, fleetId } = launched;
  const reread = freshAnnex(ports.annexes);
  let movedHere = false;
  const current = await retryOnStale(annex, reread, async (fresh) => {
    if (fresh.state !== "requested") return fresh;
    const moved = await ports.annexes.saveAnnex(
      {
        ...transition(fresh, "provisioning"),
        ...launched.changes,
        configKey,
        ...(fleetId ? { fleetId } : {}),
      },
      now,
    );
    movedHere = true;
    return moved;
  });
  if (movedHere) await auditLaunch(ports, current, launched, now);
  if (!isLive(current.state)) {
    if (fleetId !== undefined) await ports.fleets.cancel(fleetId);
    if (current.kind === "fleet") await releaseFleetResources(ports, current.id, launched.fleetIds);
    if (ids.length > 0) await ports.ec2.terminate(ids);
    // The end that came first may have run before this launch uploaded the bundle.
    await ports.store.deleteBundle(configKey);
  }
  return current;
}
