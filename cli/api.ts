/**
 * The answers the CLI reads, per the README (API). Lenient where the CLI does not depend on a field,
 * strict where it does, so a broken answer is reported instead of printed as nonsense.
 */
import { z } from "zod";

const text = z.string();
const optionalText = z.string().nullish();

export const instanceSchema = z
  .object({
    id: text,
    type: optionalText,
    state: text,
    launchedAt: optionalText,
    joined: z.boolean().nullish(),
    idleSince: optionalText,
  })
  .passthrough();
export type Instance = z.infer<typeof instanceSchema>;

export const eventSchema = z
  .object({
    at: text,
    type: text,
    message: optionalText,
    instanceIds: z.array(text).nullish(),
  })
  .passthrough();
export type AnnexEvent = z.infer<typeof eventSchema>;

/** What create (and its dry run) estimated an annex can cost at most. */
export const estimateSchema = z
  .object({
    maxUsd: z.number().nullish(),
    perHourUsd: z.number().nullish(),
    firstMinuteUsd: z.number().nullish(),
    hours: z.number().nullish(),
    basis: optionalText,
    unknownTypes: z.array(text).nullish(),
  })
  .passthrough();

/** An annex's spend: so far, per hour now, projected at its end (final once ended). */
export const costSchema = z
  .object({
    spentUsd: z.number(),
    burnUsdPerHour: z.number().nullish(),
    projectedUsd: z.number().nullish(),
    budgetEndsAt: optionalText,
    final: z.boolean().nullish(),
    unknownTypes: z.array(text).nullish(),
  })
  .passthrough();
/** A fleet annex's capacity: target, fulfilled, by pool, and what its launch got. */
export const fleetSchema = z
  .object({
    capacityUnit: text,
    targetCapacity: z.number(),
    fulfilledCapacity: z.number(),
    pools: z.array(
      z
        .object({
          instanceType: text,
          availabilityZone: text,
          market: text,
          instances: z.number(),
          capacity: z.number(),
          usdPerHour: z.number().nullish(),
        })
        .passthrough(),
    ),
    launch: z.object({ fellBack: z.number().nullish() }).passthrough().nullish(),
  })
  .passthrough();
export type Fleet = z.infer<typeof fleetSchema>;

export const annexSchema = z
  .object({
    id: text,
    name: text,
    owner: optionalText,
    kind: optionalText,
    state: text,
    endReason: optionalText,
    failureReason: optionalText,
    requestedCount: z.number().nullish(),
    instanceType: optionalText,
    imageId: optionalText,
    createdAt: optionalText,
    leaseExpiresAt: optionalText,
    leaseRemainingSeconds: z.number().nullish(),
    idleTimeoutSeconds: z.number().nullish(),
    endsAt: optionalText,
    budgetUsd: z.number().nullish(),
    estimate: estimateSchema.nullish(),
    cost: costSchema.nullish(),
    instances: z.array(instanceSchema).nullish(),
    fleet: fleetSchema.nullish(),
    events: z.array(eventSchema).nullish(),
  })
  .passthrough();
export type Annex = z.infer<typeof annexSchema>;

/** POST /annexes with `dryRun: true`: the request as the service reads it, and its estimate. */
export const dryRunAnswer = z
  .object({
    dryRun: z.literal(true),
    estimate: estimateSchema,
    request: z
      .object({ instanceType: optionalText, budgetUsd: z.number().nullish() })
      .passthrough(),
  })
  .passthrough();
export type DryRunAnswer = z.infer<typeof dryRunAnswer>;

export const oneAnnexAnswer = z.object({ annex: annexSchema }).passthrough();
/** DELETE /annexes/{name}: the annex, and the instances this call had EC2 terminate. */
export const offAnswer = oneAnnexAnswer.extend({ terminatedInstanceIds: z.array(text) });
export const annexListAnswer = z.object({ annexes: z.array(annexSchema) }).passthrough();

export const setupAnswer = z
  .object({
    ok: z.boolean(),
    components: z.array(
      z
        .object({
          name: text,
          label: optionalText,
          status: text,
          action: optionalText,
          seconds: z.number().nullish(),
          message: optionalText,
          hint: optionalText,
        })
        .passthrough(),
    ),
  })
  .passthrough();
export type SetupAnswer = z.infer<typeof setupAnswer>;

export const checkSetupAnswer = z
  .object({
    ok: z.boolean(),
    components: z.array(
      z.object({ name: text, label: optionalText, status: text, hint: optionalText }).passthrough(),
    ),
    defaults: z
      .object({ instanceType: optionalText, imageId: optionalText })
      .passthrough()
      .optional(),
  })
  .passthrough();
