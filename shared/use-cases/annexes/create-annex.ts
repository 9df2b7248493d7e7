/**
 * Create an annex (POST /annexes), write-ahead so that nothing is lost or doubled:
 * validate → claim the client token → claim the name → annex item (`requested`) → config bundle →
 * RunInstances (on-demand), RequestSpotFleet (spot-fleet) or instant EC2 Fleets (fleet, with a
 * launch template) with EC2 client tokens and tags →
 * instance ids or fleet id recorded (`provisioning`).
 * A replay of the same client token resumes or returns the same annex; it never launches twice.
 */

import { ulid } from "ulid";
import type { Annex } from "../../domain/annex.ts";
import { buildConfigBundle } from "../../domain/condor-config.ts";
import {
  ConflictError,
  IdempotencyMismatchError,
  NameInUseError,
  ValidationError,
} from "../../domain/errors.ts";
import { type FleetAsk, marketsPhrase, typesPhrase, unitName } from "../../domain/fleet.ts";
import { CapacityError, LaunchRejectedError } from "../../domain/launch-errors.ts";
import { DEFAULT_BOOT_GRACE_SECONDS, hoursToSeconds, leaseExpiry } from "../../domain/lease.ts";
import { type CreateAnnexRequest, parseCreateAnnex } from "../../domain/requests/create-annex.ts";
import { requestHash } from "../../domain/requests/request-hash.ts";
import {
  effectiveLimits,
  FALLBACK_INSTANCE_TYPE,
  type PoolSettings,
} from "../../domain/settings.ts";
import { fleetSummary } from "../../domain/spot-fleet.ts";
import { transition } from "../../domain/state-machine.ts";
import { isoFromEpoch } from "../../domain/tags.ts";
import { type Launched, launchInstances, recordLaunch, requestFleet } from "./launch-annex.ts";
import { launchFleet } from "./launch-fleet.ts";
import { planFleet } from "./plan-fleet.ts";
import type { AnnexPorts } from "./ports.ts";
import { instanceUserData } from "./user-data.ts";

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
  const limits = effectiveLimits(settings.limits);
  const request = parseCreateAnnex(body, limits);
  const { imageId, instanceType } = launchShapeOf(request, settings);
  if (imageId === undefined) {
    throw new ValidationError([
      { path: "imageId", message: "is required: setup stored no default image" },
    ]);
  }
  const userData = instanceUserData(
    ports,
    request.userData ?? request.defaultUserData,
    DEFAULT_BOOT_GRACE_SECONDS,
  );
  const securityGroupIds = request.securityGroupIds ?? settings.securityGroupIds ?? [];
  const fleet =
    request.kind === "fleet"
      ? await planFleet(ports, request, securityGroupIds, limits, now)
      : undefined;
  const hash = requestHash({ ...request, clientToken: undefined });
  const claim = await ports.claims.claimToken(owner, request.clientToken, {
    annexId: ulid(now * 1000),
    requestHash: hash,
  });
  if (claim.requestHash !== hash) throw new IdempotencyMismatchError();
  ports.log.about({ annexId: claim.annexId });

  const existing = await ports.annexes.getAnnex(claim.annexId);
  if (existing !== undefined)
    return {
      ...(await resume(ports, settings, request, existing, userData, now)),
      created: false,
    };

  try {
    await ports.claims.claimName(owner, request.name, claim.annexId);
  } catch (error) {
    if (error instanceof NameInUseError)
      await ports.claims.releaseToken(owner, request.clientToken, claim.annexId);
    throw error;
  }
  const shape = { imageId, instanceType, securityGroupIds, fleet };
  // The bundle's key is written ahead with the record: whatever ends the annex deletes the bundle.
  const annex = {
    ...newAnnex(claim.annexId, owner, request, shape, settings, hash, now),
    configKey: ports.store.bundleKey(claim.annexId),
  };
  if (!(await ports.annexes.createAnnex(annex))) {
    // A concurrent identical request wrote the record first: its lease is everyone's.
    const stored = (await ports.annexes.getAnnex(annex.id)) ?? annex;
    return { ...(await resume(ports, settings, request, stored, userData, now)), created: false };
  }
  await ports.instances.appendEvent({
    annexId: annex.id,
    at: now,
    type: "created",
    message: `requested ${whatWasAsked(annex)} until ${isoFromEpoch(annex.leaseExpiresAt)}`,
  });
  return { ...(await resume(ports, settings, request, annex, userData, now)), created: true };
}

/** The image and the instance type(s) the annex item records. */
function launchShapeOf(
  request: CreateAnnexRequest,
  settings: PoolSettings,
): { imageId: string | undefined; instanceType: string } {
  if (request.kind === "spot-fleet") return fleetSummary(request, settings.defaults.imageId);
  const imageId = request.imageId ?? settings.defaults.imageId;
  if (request.kind === "fleet")
    return {
      imageId,
      instanceType: request.fleet.instanceTypes?.join(",") ?? "attribute-based",
    };
  const instanceType =
    request.instanceType ?? settings.defaults.instanceType ?? FALLBACK_INSTANCE_TYPE;
  return { imageId, instanceType };
}

/** "2 m5.large", "6 spot slots of m5.large,m5.xlarge", "100 vCPUs of c5.large or m5.large (spot, …)". */
function whatWasAsked(annex: Annex): string {
  if (annex.fleet !== undefined) {
    const n = annex.fleet.targetCapacity;
    return `${n} ${unitName(annex.fleet.capacityUnit, n)} of ${typesPhrase(annex.fleet)} (${marketsPhrase(annex.fleet)})`;
  }
  const slots = annex.kind === "spot-fleet" ? "spot slots of " : "";
  return `${annex.requestedCount} ${slots}${annex.instanceType}`;
}

interface LaunchShape {
  imageId: string;
  instanceType: string;
  securityGroupIds: string[];
  fleet: FleetAsk | undefined;
}

function newAnnex(
  id: string,
  owner: string,
  request: CreateAnnexRequest,
  shape: LaunchShape,
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
    requestedCount:
      shape.fleet?.targetCapacity ??
      (request.kind === "spot-fleet" ? request.slots : (request.count ?? 0)),
    instanceType: shape.instanceType,
    imageId: shape.imageId,
    securityGroupIds: shape.securityGroupIds,
    keyName: request.keyName ?? settings.keyName,
    owners: request.owners,
    noOwner: request.noOwner,
    tags: request.tags,
    leaseExpiresAt,
    ...(request.kind === "spot-fleet" ? { fleetValidUntil: leaseExpiresAt } : {}),
    ...(shape.fleet ? { fleet: shape.fleet } : {}),
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
  request: CreateAnnexRequest,
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
        : annex.fleet !== undefined
          ? await launchFleet(ports, { ...annex, fleet: annex.fleet }, userData, now)
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
    await ports.claims.releaseName(annex.owner, annex.name, annex.id);
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
