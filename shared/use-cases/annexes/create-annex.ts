/**
 * Create an annex (POST /annexes), write-ahead so that nothing is lost or doubled:
 * validate and estimate (prepare-create.ts) → claim the client token → claim the name → annex
 * item (`requested`) → config bundle → RunInstances (on-demand), RequestSpotFleet (spot-fleet) or
 * instant EC2 Fleets (fleet, with a launch template) with EC2 client tokens and tags → instance
 * ids or fleet id recorded (`provisioning`) → the first spend computed.
 * A replay of the same client token resumes or returns the same annex; it never launches twice.
 */

import { ulid } from "ulid";
import type { Annex } from "../../domain/annex.ts";
import { buildConfigBundle } from "../../domain/condor-config.ts";
import { ConflictError, IdempotencyMismatchError, NameInUseError } from "../../domain/errors.ts";
import { estimateMessage } from "../../domain/estimate.ts";
import { marketsPhrase, typesPhrase, unitName } from "../../domain/fleet.ts";
import { CapacityError, LaunchRejectedError } from "../../domain/launch-errors.ts";
import { DEFAULT_BOOT_GRACE_SECONDS, hoursToSeconds, leaseExpiry } from "../../domain/lease.ts";
import type { CreateAnnexRequest } from "../../domain/requests/create-annex.ts";
import { requestHash } from "../../domain/requests/request-hash.ts";
import type { PoolSettings } from "../../domain/settings.ts";
import { isLive, transition } from "../../domain/state-machine.ts";
import { isoFromEpoch } from "../../domain/tags.ts";
import { reviseCost } from "./cost.ts";
import { type Launched, launchInstances, recordLaunch, requestFleet } from "./launch-annex.ts";
import { launchFleet } from "./launch-fleet.ts";
import type { AnnexPorts, PricedPorts } from "./ports.ts";
import { type PreparedCreate, prepareCreate } from "./prepare-create.ts";

/** What create works through: the annex ports, and prices for the estimate and the spend. */
export type CreatePorts = AnnexPorts & PricedPorts;

export interface CreateResult {
  annex: Annex;
  /** False when this call replayed an earlier one with the same client token. */
  created: boolean;
}

/** Creates (or, for a replayed client token, returns) the caller's annex. */
export async function createAnnex(
  ports: CreatePorts,
  owner: string,
  body: unknown,
  now: number,
): Promise<CreateResult> {
  return createPrepared(ports, owner, await prepareCreate(ports, body, now), now);
}

/** Creates the annex of a prepared request (never a dry run). */
export async function createPrepared(
  ports: CreatePorts,
  owner: string,
  prepared: PreparedCreate,
  now: number,
): Promise<CreateResult> {
  const { settings, request, userData } = prepared;
  if (request.dryRun) throw new TypeError("a dry run creates nothing");
  const hash = requestHash({ ...request, clientToken: undefined, dryRun: undefined });
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
  // The bundle's key is written ahead with the record: whatever ends the annex deletes the bundle.
  const annex = {
    ...newAnnex(claim.annexId, owner, prepared, hash, now),
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
  await ports.instances.appendEvent({
    annexId: annex.id,
    at: now,
    type: "estimate",
    message: estimateMessage(prepared.estimate, annex.budgetUsd),
  });
  return { ...(await resume(ports, settings, request, annex, userData, now)), created: true };
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

function newAnnex(
  id: string,
  owner: string,
  { request, shape, settings, estimate, pinnedPrices }: PreparedCreate,
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
    ...(request.budgetUsd === undefined ? {} : { budgetUsd: request.budgetUsd }),
    estimate,
    ...(pinnedPrices ? { pinnedPrices } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** Carries a `requested` annex through upload and launch; any other state is returned as it is. */
async function resume(
  ports: CreatePorts,
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
  const current = await stillToLaunch(ports, annex, configKey);
  if (current.state !== "requested") return { annex: current };
  let launched: Launched;
  try {
    launched =
      request.kind === "spot-fleet"
        ? await requestFleet(ports, current, request, userData)
        : current.fleet !== undefined
          ? await launchFleet(ports, { ...current, fleet: current.fleet }, userData, now)
          : await launchInstances(ports, current, userData, now);
  } catch (error) {
    if (!(error instanceof CapacityError || error instanceof LaunchRejectedError)) throw error;
    const failed = {
      ...transition(current, "ended", "failed"),
      failureReason: error.message,
      failureCode: error.code,
      configKey,
    };
    const saved = await ports.annexes.saveAnnex(failed, now);
    await ports.claims.releaseName(current.owner, current.name, current.id);
    await ports.store.deleteBundle(configKey);
    await ports.instances.appendEvent({
      annexId: current.id,
      at: now,
      type: "failed",
      message: error.message,
    });
    return { annex: saved };
  }
  const recorded = await recordLaunch(ports, current, configKey, launched, now);
  return { annex: (await reviseCost(ports, recorded.id, now)) ?? recorded };
}

/**
 * The annex as stored right before its launch. An `off` (or another end) that landed meanwhile
 * wins: nothing is launched and the bundle just uploaded is deleted. One that another request
 * already launched is returned as it is.
 */
async function stillToLaunch(ports: CreatePorts, annex: Annex, configKey: string): Promise<Annex> {
  const current = (await ports.annexes.getAnnex(annex.id)) ?? annex;
  if (!isLive(current.state)) await ports.store.deleteBundle(configKey);
  return current;
}
