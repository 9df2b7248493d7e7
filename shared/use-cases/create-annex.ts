/**
 * Create an on-demand annex (POST /annexes), write-ahead so that nothing is lost or doubled:
 * validate → claim the client token → claim the name → annex item (`requested`) → config bundle →
 * RunInstances with an EC2 client token and tags → instance ids recorded (`provisioning`).
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
import { StaleAnnexError } from "../domain/stale.ts";
import { isLive, transition } from "../domain/state-machine.ts";
import { isoFromEpoch, launchTags } from "../domain/tags.ts";
import type { AnnexPorts } from "./ports.ts";

export interface CreateResult {
  annex: Annex;
  /** False when this call replayed an earlier one with the same client token. */
  created: boolean;
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
  if (request.kind !== "on-demand") {
    throw new ValidationError([
      {
        path: "kind",
        message: `${request.kind} annexes are not available yet: use on-demand (count)`,
      },
    ]);
  }
  const imageId = request.imageId ?? settings.defaults.imageId;
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
    return { ...(await resume(ports, settings, existing, userData, now)), created: false };

  try {
    await ports.annexes.claimName(owner, request.name, claim.annexId);
  } catch (error) {
    if (error instanceof NameInUseError)
      await ports.annexes.releaseToken(owner, request.clientToken, claim.annexId);
    throw error;
  }
  const annex = newAnnex(claim.annexId, owner, request, imageId, settings, hash, now);
  await ports.annexes.createAnnex(annex);
  await ports.instances.appendEvent({
    annexId: annex.id,
    at: now,
    type: "created",
    message: `requested ${annex.requestedCount} ${annex.instanceType} until ${isoFromEpoch(annex.leaseExpiresAt)}`,
  });
  return { ...(await resume(ports, settings, annex, userData, now)), created: true };
}

function newAnnex(
  id: string,
  owner: string,
  request: Extract<CreateAnnexRequest, { kind: "on-demand" }>,
  imageId: string,
  settings: PoolSettings,
  hash: string,
  now: number,
): Annex {
  return {
    id,
    name: request.name,
    owner,
    kind: "on-demand",
    state: "requested",
    requestedCount: request.count,
    instanceType: request.instanceType ?? settings.defaults.instanceType ?? FALLBACK_INSTANCE_TYPE,
    imageId,
    securityGroupIds: request.securityGroupIds ?? settings.securityGroupIds ?? [],
    keyName: request.keyName ?? settings.keyName,
    owners: request.owners,
    noOwner: request.noOwner,
    tags: request.tags,
    leaseExpiresAt: leaseExpiry(now, request.durationHours),
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
  let launched: Awaited<ReturnType<AnnexPorts["ec2"]["launch"]>>;
  try {
    launched = await ports.ec2.launch({
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
  return { annex: await recordLaunch(ports, annex, configKey, ids, now) };
}

/**
 * Moves the annex to `provisioning`. If another request changed it meanwhile (an `off`, a replay),
 * the fresh copy decides: a live one is moved on, one that is no longer live has the instances
 * just launched terminated, so nothing outlives an annex that ended during its own launch.
 */
async function recordLaunch(
  ports: AnnexPorts,
  annex: Annex,
  configKey: string,
  ids: string[],
  now: number,
): Promise<Annex> {
  let current = annex;
  for (;;) {
    if (!isLive(current.state)) {
      await ports.ec2.terminate(ids);
      return current;
    }
    if (current.state !== "requested") return current;
    try {
      return await ports.annexes.saveAnnex(
        { ...transition(current, "provisioning"), configKey },
        now,
      );
    } catch (error) {
      if (!(error instanceof StaleAnnexError)) throw error;
      current = (await ports.annexes.getAnnex(annex.id)) ?? current;
    }
  }
}
