/**
 * The first step of create, and all of a dry run: the request validated against the pool's
 * settings, its launch shape (type, image, groups, a fleet's plan) decided and its estimate made,
 * a budget it cannot keep refused — everything decided before any side effect.
 */

import { ConflictError, ValidationError } from "../../domain/errors.ts";
import type { Estimate } from "../../domain/estimate.ts";
import type { FleetAsk } from "../../domain/fleet.ts";
import { DEFAULT_BOOT_GRACE_SECONDS } from "../../domain/lease.ts";
import type { PriceTable } from "../../domain/prices.ts";
import { type CreateAnnexRequest, parseCreateAnnex } from "../../domain/requests/create-annex.ts";
import {
  effectiveLimits,
  FALLBACK_INSTANCE_TYPE,
  type PoolSettings,
} from "../../domain/settings.ts";
import { fleetSummary } from "../../domain/spot-fleet.ts";
import { estimateRequest } from "./estimate-annex.ts";
import { planFleet } from "./plan-fleet.ts";
import type { AnnexPorts, PricedPorts } from "./ports.ts";
import { instanceUserData } from "./user-data.ts";

/** What the annex item records of how it launches. */
export interface LaunchShape {
  imageId: string;
  instanceType: string;
  securityGroupIds: string[];
  fleet: FleetAsk | undefined;
}

/** A create request validated, shaped and estimated: everything decided before any side effect. */
export interface PreparedCreate {
  settings: PoolSettings;
  request: CreateAnnexRequest;
  shape: LaunchShape;
  userData: string;
  estimate: Estimate;
  pinnedPrices?: PriceTable;
}

/** What preparing reads: settings, the EC2 catalog and capacity memory (fleets), prices. */
export type PreparePorts = Pick<
  AnnexPorts,
  "store" | "apiUrl" | "instanceProof" | "catalog" | "capacityMemory" | "spotFleetRoleArn"
> &
  Pick<PricedPorts, "prices">;

/** Validates a create body against the pool's settings and estimates it (a budget it cannot keep is a 422). */
export async function prepareCreate(
  ports: PreparePorts,
  body: unknown,
  now: number,
): Promise<PreparedCreate> {
  const settings = await ports.store.getSettings();
  if (settings === undefined)
    throw new ConflictError("setup has not been run: run `annex setup` first");
  const limits = effectiveLimits(settings.limits);
  const request = parseCreateAnnex(body, limits);
  const { imageId, instanceType } = launchShapeOf(request, settings, ports.spotFleetRoleArn);
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
  const shape = { imageId, instanceType, securityGroupIds, fleet };
  const priced = await estimateRequest(ports, request, shape, settings, now);
  return { settings, request, shape, userData, ...priced };
}

/** The image and the instance type(s) the annex item records. */
function launchShapeOf(
  request: CreateAnnexRequest,
  settings: PoolSettings,
  fleetRoleArn: string,
): { imageId: string | undefined; instanceType: string } {
  if (request.kind === "spot-fleet")
    return fleetSummary(request, { imageId: settings.defaults.imageId, fleetRoleArn });
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
