/**
 * Create an annex (POST /annexes), write-ahead so that nothing is lost or doubled:
 * validate → claim the client token → claim the name → annex item (`requested`) → config bundle →
 * RunInstances (on-demand) or RequestSpotFleet (spot-fleet) with an EC2 client token and tags →
 * instance ids or fleet id recorded (`provisioning`).
 * A replay of the same client token resumes or returns the same annex; it never launches twice.
 */

import { ulid } from "ulid";
import type { Annex } from "../domain/annex.ts";
import { buildConfigBundle } from "../domain/condor-config.ts";
import {
  ConflictError,
  IdempotencyMismatchError,
  NameInUseError,
  ValidationError,
} from "../domain/errors.ts";
import { CapacityError, LaunchRejectedError } from "../domain/launch-errors.ts";
import {
  bootDeadline,
  DEFAULT_BOOT_GRACE_SECONDS,
  hoursToSeconds,
  leaseExpiry,
} from "../domain/lease.ts";
import { type CreateAnnexRequest, parseCreateAnnex } from "../domain/requests/create-annex.ts";
import { ec2ClientToken, requestHash } from "../domain/requests/request-hash.ts";
import { FALLBACK_INSTANCE_TYPE, type PoolSettings } from "../domain/settings.ts";
import { fleetRequestConfig, fleetSummary } from "../domain/spot-fleet.ts";
import { StaleAnnexError } from "../domain/stale.ts";
import { isLive, transition } from "../domain/state-machine.ts";
import { isoFromEpoch, launchTags } from "../domain/tags.ts";
import type { AnnexPorts } from "./ports.ts";

export interface CreateResult {
  annex: Annex;
  /** False when this call replayed an earlier one with the same client token. */
  created: boolean;
}

/** What the launch step produced: instance ids (on-demand) or a fleet whose instances come later. */
interface Launched {
  ids: string[];
  fleetId?: string;
}

/** Creates (or, for a replayed client token, returns) the caller's annex. */
export async function createAnnex(
  ports: AnnexPorts,
  owner: string,
  body: unknown,
  now: number,
): Promise<CreateResult> {
  const settings = await ports.store.getSettings();
  if (settings === undefined)
    throw new ConflictError("setup has not been run: run `annex setup` first");
  const request = parseCreateAnnex(body, settings.limits);
  if (request.kind === "fleet") {
    throw new ValidationError([
      {
        path: "kind",
        message: `${request.kind} annexes are not available yet: use on-demand (count) or spot-fleet (slots)`,
      },
    ]);
  }
  const launchShape =
    request.kind === "spot-fleet"
      ? fleetSummary(request, settings.defaults.imageId)
      : {
          imageId: request.imageId ?? settings.defaults.imageId,
          instanceType:
            request.instanceType ?? settings.defaults.instanceType ?? FALLBACK_INSTANCE_TYPE,
        };
  const imageId = launchShape.imageId;
  if (imageId === undefined) {
    throw new ValidationError([
      { path: "imageId", message: "is required: setup stored no default image" },
    ]);
  }
  const userData = ports.userData(
    request.userData ?? request.defaultUserData,
    DEFAULT_BOOT_GRACE_SECONDS,
  );
  const hash = requestHash({ ...request, clientToken: undefined });
  const claim = await ports.annexes.claimToken(owner, request.clientToken, {
    annexId: ulid(now * 1000),
    requestHash: hash,
  });
  if (claim.requestHash !== hash) throw new IdempotencyMismatchError();

  const existing = await ports.annexes.getAnnex(claim.annexId);
  if (existing !== undefined)
    return {
      ...(await resume(ports, settings, request, existing, userData, now)),
      created: false,
    };

  try {
    await ports.annexes.claimName(owner, request.name, claim.annexId);
  } catch (error) {
    if (error instanceof NameInUseError)
      await ports.annexes.releaseToken(owner, request.clientToken, claim.annexId);
    throw error;
  }
  const shape = { imageId, instanceType: launchShape.instanceType };
  const annex = newAnnex(claim.annexId, owner, request, shape, settings, hash, now);
  await ports.annexes.createAnnex(annex);
  await ports.instances.appendEvent({
    annexId: annex.id,
    at: now,
    type: "created",
    message: `requested ${annex.requestedCount} ${annex.kind === "spot-fleet" ? "spot slots of " : ""}${annex.instanceType} until ${isoFromEpoch(annex.leaseExpiresAt)}`,
  });
  return { ...(await resume(ports, settings, request, annex, userData, now)), created: true };
}

function newAnnex(
  id: string,
  owner: string,
  request: Exclude<CreateAnnexRequest, { kind: "fleet" }>,
  shape: { imageId: string; instanceType: string },
  settings: PoolSettings,
  hash: string,
  now: number,
): Annex {
  const leaseExpiresAt = leaseExpiry(now, request.durationHours);
  return {
    id,
    name: request.name,
    owner,
    kind: request.kind,
    state: "requested",
    requestedCount: request.kind === "spot-fleet" ? request.slots : request.count,
    instanceType: shape.instanceType,
    imageId: shape.imageId,
    securityGroupIds: request.securityGroupIds ?? settings.securityGroupIds ?? [],
    keyName: request.keyName ?? settings.keyName,
    owners: request.owners,
    noOwner: request.noOwner,
    tags: request.tags,
    leaseExpiresAt,
    ...(request.kind === "spot-fleet" ? { fleetValidUntil: leaseExpiresAt } : {}),
    idleTimeoutSeconds: hoursToSeconds(request.idleHours),
    bootGraceSeconds: DEFAULT_BOOT_GRACE_SECONDS,
    clientToken: request.clientToken,
    requestHash: hash,
    configKey: "",
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** Carries a `requested` annex through upload and launch; any other state is returned as it is. */
async function resume(
  ports: AnnexPorts,
  settings: PoolSettings,
  request: Exclude<CreateAnnexRequest, { kind: "fleet" }>,
  annex: Annex,
  userData: string,
  now: number,
): Promise<Omit<CreateResult, "created">> {
  if (annex.state !== "requested") return { annex };
  const secret = await ports.store.getPoolSecret();
  if (secret === undefined)
    throw new ConflictError("setup stored no pool secret: run `annex setup` again");
  const configKey = await ports.store.putBundle(
    annex.id,
    buildConfigBundle({ annex, settings, secret }),
  );
  let launched: Launched;
  try {
    launched =
      request.kind === "spot-fleet"
        ? await requestFleet(ports, annex, request, userData)
        : await launchInstances(ports, annex, userData, now);
  } catch (error) {
    if (!(error instanceof CapacityError || error instanceof LaunchRejectedError)) throw error;
    const failed = {
      ...transition(annex, "ended", "failed"),
      failureReason: error.message,
      failureCode: error.code,
      configKey,
    };
    const saved = await ports.annexes.saveAnnex(failed, now);
    await ports.annexes.releaseName(annex.owner, annex.name, annex.id);
    await ports.store.deleteBundle(configKey);
    await ports.instances.appendEvent({
      annexId: annex.id,
      at: now,
      type: "failed",
      message: error.message,
    });
    return { annex: saved };
  }
  return { annex: await recordLaunch(ports, annex, configKey, launched, now) };
}

/** RequestSpotFleet for the annex; its instances are recorded when they bootstrap. */
async function requestFleet(
  ports: AnnexPorts,
  annex: Annex,
  request: Extract<CreateAnnexRequest, { kind: "spot-fleet" }>,
  userData: string,
): Promise<Launched> {
  const config = fleetRequestConfig(annex, request.spotFleetConfig, {
    userData,
    instanceProfileName: ports.instanceProfileName,
  });
  const fleetId = await ports.fleets.request(config, ec2ClientToken(annex.name, annex.id));
  return { ids: [], fleetId };
}

/** RunInstances for an on-demand annex, then its instance records and audit entries. */
async function launchInstances(
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
    tags: launchTags(annex),
  });
  await ports.instances.addInstances(
    launched.map((instance) => ({
      annexId: annex.id,
      instanceId: instance.id,
      instanceType: instance.type,
      ec2State: instance.state,
      launchedAt: instance.launchedAt || now,
      bootDeadline: bootDeadline(instance.launchedAt || now, annex.bootGraceSeconds),
      version: 1,
    })),
  );
  const ids = launched.map((instance) => instance.id);
  await ports.instances.appendEvent({
    annexId: annex.id,
    at: now,
    type: "launched",
    message: `launched ${ids.length} instance(s)`,
    instanceIds: ids,
  });
  if (launched.length < annex.requestedCount) {
    await ports.instances.appendEvent({
      annexId: annex.id,
      at: now,
      type: "partial-capacity",
      message: `EC2 had capacity for ${launched.length} of ${annex.requestedCount} ${annex.instanceType} instances`,
      instanceIds: ids,
    });
  }
  return { ids };
}

/**
 * Moves the annex to `provisioning`. If another request changed it meanwhile (an `off`, a replay),
 * the fresh copy decides: a live one is moved on, one that is no longer live has the instances
 * (or fleet) just launched terminated, so nothing outlives an annex that ended during its own launch.
 */
async function recordLaunch(
  ports: AnnexPorts,
  annex: Annex,
  configKey: string,
  launched: Launched,
  now: number,
): Promise<Annex> {
  const { ids, fleetId } = launched;
  if (fleetId !== undefined && annex.fleetId !== fleetId) {
    await ports.instances.appendEvent({
      annexId: annex.id,
      at: now,
      type: "launched",
      message: `requested spot fleet ${fleetId} for ${annex.requestedCount} slots until ${isoFromEpoch(annex.fleetValidUntil ?? annex.leaseExpiresAt)}`,
    });
  }
  let current = annex;
  for (;;) {
    if (!isLive(current.state)) {
      if (fleetId !== undefined) await ports.fleets.cancel(fleetId);
      if (ids.length > 0) await ports.ec2.terminate(ids);
      return current;
    }
    if (current.state !== "requested") return current;
    try {
      return await ports.annexes.saveAnnex(
        { ...transition(current, "provisioning"), configKey, ...(fleetId ? { fleetId } : {}) },
        now,
      );
    } catch (error) {
      if (!(error instanceof StaleAnnexError)) throw error;
      current = (await ports.annexes.getAnnex(annex.id)) ?? current;
    }
  }
}
