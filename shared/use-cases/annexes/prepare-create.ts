/**
 * The first step of create, and all of a dry run: the request validated against the pool's
 * settings, its launch shape (type, image) decided and its estimate made, a budget it cannot keep
 * refused — everything decided before any side effect.
 */

import { ConflictError, ValidationError } from "../../domain/errors.ts";
import type { Estimate } from "../../domain/estimate.ts";
import { DEFAULT_BOOT_GRACE_SECONDS } from "../../domain/lease.ts";
import type { PriceTable } from "../../domain/prices.ts";
import { type CreateAnnexRequest, parseCreateAnnex } from "../../domain/requests/create-annex.ts";
import { FALLBACK_INSTANCE_TYPE, type PoolSettings } from "../../domain/settings.ts";
import { fleetSummary } from "../../domain/spot-fleet.ts";
import { estimateRequest } from "./estimate-annex.ts";
import type { AnnexPorts, PricedPorts } from "./ports.ts";
import { instanceUserData } from "./user-data.ts";

/** A create request validated, shaped and estimated: everything decided before any side effect. */
export interface PreparedCreate {
  settings: PoolSettings;
  request: Exclude<CreateAnnexRequest, { kind: "fleet" }>;
  shape: { imageId: string; instanceType: string };
  userData: string;
  estimate: Estimate;
  pinnedPrices?: PriceTable;
}

/** Validates a create body against the pool's settings and estimates it (a budget it cannot keep is a 422). */
export async function prepareCreate(
  ports: Pick<AnnexPorts, "store" | "apiUrl"> & Pick<PricedPorts, "prices">,
  body: unknown,
  now: number,
): Promise<PreparedCreate> {
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
  const userData = instanceUserData(
    ports.apiUrl,
    request.userData ?? request.defaultUserData,
    DEFAULT_BOOT_GRACE_SECONDS,
  );
  const priced = await estimateRequest(
    ports.prices,
    request,
    launchShape.instanceType,
    settings,
    now,
  );
  return {
    settings,
    request,
    shape: { imageId, instanceType: launchShape.instanceType },
    userData,
    ...priced,
  };
}
