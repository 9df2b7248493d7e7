/** POST /annexes: the create request, for on-demand annexes, spot fleets and EC2 fleets. */

import { z } from "zod";
import { ANNEX_KINDS, type AnnexKind } from "../annex.ts";
import { ValidationError } from "../errors.ts";
import { DEFAULT_DURATION_HOURS, DEFAULT_IDLE_HOURS } from "../lease.ts";
import type { Limits } from "../settings.ts";
import {
  clientToken,
  keyName,
  ownerList,
  securityGroupIds,
  spotFleetConfig,
  tags,
  userData,
} from "./annex-fields.ts";
import {
  addIssue,
  annexName,
  atLeast,
  imageId,
  instanceType,
  isJsonObject,
  parseBody,
} from "./common.ts";
import { fleet } from "./fleet-fields.ts";

/** Most vCPUs one fleet annex may ask (the pool's count limit, in instances, is checked with the weights). */
export const MAX_FLEET_CORES = 1_000_000;

function hours(limits: Limits, min: number) {
  return atLeast(
    z
      .number()
      .finite()
      .positive("must be greater than 0")
      .max(limits.maxDurationHours, `must be at most ${limits.maxDurationHours} hours`),
    min,
  );
}

function capacity(limits: Limits) {
  return z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(limits.maxCount, `must be at most ${limits.maxCount}`);
}

/** The largest budget any request may name (USD), whatever the pool allows. */
export const MAX_BUDGET_USD = 1e9;

function budget(limits: Limits) {
  const usd = z.number().finite().positive("must be greater than 0");
  const max = Math.min(limits.maxBudgetUsd ?? MAX_BUDGET_USD, MAX_BUDGET_USD);
  const capped = usd.max(
    max,
    limits.maxBudgetUsd === undefined
      ? `must be at most ${max}`
      : `must be at most ${max} (the pool's maximum)`,
  );
  return limits.defaultBudgetUsd === undefined
    ? capped.optional()
    : capped.default(limits.defaultBudgetUsd);
}

function commonFields(limits: Limits) {
  return {
    budgetUsd: budget(limits),
    /** Validate and estimate only: nothing is written or launched. */
    dryRun: z.boolean().default(false),
    name: annexName,
    clientToken,
    durationHours: hours(limits, limits.minDurationHours).default(DEFAULT_DURATION_HOURS),
    idleHours: hours(limits, limits.minIdleHours).default(DEFAULT_IDLE_HOURS),
    owners: ownerList.optional(),
    noOwner: z.boolean().default(false),
    tags: tags.default({}),
    userData: userData.optional(),
    defaultUserData: userData.optional(),
    securityGroupIds: securityGroupIds.optional(),
    keyName: keyName.optional(),
  };
}

interface CommonRequest {
  durationHours: number;
  idleHours: number;
  owners?: string[] | undefined;
  noOwner: boolean;
  userData?: string | undefined;
  defaultUserData?: string | undefined;
}

function crossChecks(request: CommonRequest, ctx: z.RefinementCtx): void {
  // Only against a valid duration: an invalid one is already its own issue.
  if (request.durationHours > 0 && request.idleHours > request.durationHours) {
    addIssue(ctx, ["idleHours"], `must not exceed durationHours (${request.durationHours})`);
  }
  if (request.noOwner && request.owners !== undefined) {
    addIssue(ctx, ["owners"], "must not be given with noOwner");
  }
  if (!request.noOwner && request.owners === undefined) {
    addIssue(ctx, ["owners"], "are required unless noOwner is true");
  }
  if (request.userData !== undefined && request.defaultUserData !== undefined) {
    addIssue(ctx, ["defaultUserData"], "must not be given with userData");
  }
}

/**
 * A spot fleet launches up to slots ÷ its smallest WeightedCapacity instances (a specification
 * without a weight counts 1): the pool's count limit applies to those, not to the slots.
 */
function withinInstanceLimit(limits: Limits) {
  return (
    request: {
      slots: number;
      spotFleetConfig: { LaunchSpecifications?: Array<{ WeightedCapacity?: number }> };
    },
    ctx: z.RefinementCtx,
  ): void => {
    const weights = (request.spotFleetConfig.LaunchSpecifications ?? []).map(
      (spec) => spec.WeightedCapacity ?? 1,
    );
    if (weights.length === 0) return;
    const smallest = Math.min(...weights);
    const instances = Math.ceil(request.slots / smallest);
    if (instances > limits.maxCount) {
      addIssue(
        ctx,
        ["slots"],
        `would launch up to ${instances} instances (${request.slots} slots at WeightedCapacity ${smallest}): at most ${limits.maxCount} are allowed`,
      );
    }
  };
}

function normalize<T extends CommonRequest>(request: T): Omit<T, "owners"> & { owners: string[] } {
  return { ...request, owners: request.owners ?? [] };
}

/** The create schemas for each kind, bounded by the pool's limits. */
export function createAnnexSchemas(limits: Limits) {
  const common = commonFields(limits);
  return {
    "on-demand": z
      .object({
        ...common,
        kind: z.literal("on-demand").default("on-demand"),
        count: capacity(limits),
        instanceType: instanceType.optional(),
        imageId: imageId.optional(),
      })
      .strict()
      .superRefine(crossChecks)
      .transform(normalize),
    "spot-fleet": z
      .object({
        ...common,
        kind: z.literal("spot-fleet"),
        slots: capacity(limits),
        spotFleetConfig,
      })
      .strict()
      .superRefine(crossChecks)
      .superRefine(withinInstanceLimit(limits))
      .transform(normalize),
    fleet: z
      .object({
        ...common,
        kind: z.literal("fleet"),
        cores: z
          .number()
          .int("must be a whole number")
          .min(1, "must be at least 1")
          .max(MAX_FLEET_CORES, `must be at most ${MAX_FLEET_CORES}`)
          .optional(),
        count: capacity(limits).optional(),
        imageId: imageId.optional(),
        fleet,
      })
      .strict()
      .superRefine((request, ctx) => {
        crossChecks(request, ctx);
        if ((request.cores === undefined) === (request.count === undefined))
          addIssue(ctx, ["cores"], "give either cores (vCPUs) or count (instances), not both");
      })
      .transform(normalize),
  };
}

type Schemas = ReturnType<typeof createAnnexSchemas>;

/** A validated create request with defaults applied: what the use-case acts on and hashes. */
export type CreateAnnexRequest = { [K in AnnexKind]: z.output<Schemas[K]> }[AnnexKind];
/** A spot-fleet create request. */
export type SpotFleetRequest = z.output<Schemas["spot-fleet"]>;
/** An EC2 Fleet create request. */
export type FleetRequest = z.output<Schemas["fleet"]>;

const KIND_FIELDS: Record<AnnexKind, readonly string[]> = {
  "on-demand": ["count", "instanceType", "imageId"],
  "spot-fleet": ["slots", "spotFleetConfig"],
  fleet: ["cores", "count", "imageId", "fleet"],
};

/**
 * Validates a POST /annexes body against the pool's limits. `kind` defaults to on-demand.
 * Not a JSON object → MalformedRequestError; any invalid value → ValidationError.
 */
export function parseCreateAnnex(body: unknown, limits: Limits): CreateAnnexRequest {
  const kind = isJsonObject(body) ? (body.kind ?? "on-demand") : "on-demand";
  if (!ANNEX_KINDS.includes(kind as AnnexKind)) {
    throw new ValidationError([
      { path: "kind", message: `must be one of ${ANNEX_KINDS.join(", ")}` },
    ]);
  }
  const schema = createAnnexSchemas(limits)[kind as AnnexKind];
  return parseBody(schema, body, (key) =>
    ANNEX_KINDS.some((other) => KIND_FIELDS[other].includes(key))
      ? `not allowed when kind is ${kind}`
      : "unknown field",
  );
}
