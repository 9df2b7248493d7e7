/** RequestSpotFleet: checks the configuration, then fulfils it at once (or at ValidFrom). */

import {
  RequestSpotFleet$,
  type RequestSpotFleetRequest,
  type RequestSpotFleetResponse,
  type SpotFleetRequestConfigData,
} from "@aws-sdk/client-ec2";
import { strategyOf } from "../core/allocation.ts";
import type { Ec2Context } from "../core/context.ts";
import { nextSeq } from "../core/context.ts";
import { newUuidId } from "../core/ids.ts";
import { spotFleetPools } from "../core/spot-fleet-pools.ts";
import { fulfilSpotFleet, scheduleSpotFleet } from "../core/spot-fleets.ts";
import type { SpotFleetRecord } from "../core/state.ts";
import { userTags } from "../core/tags.ts";
import { Ec2Error, invalidParameter, invalidValue, missingParameter } from "../protocol/errors.ts";
import { fingerprint, replayOrCheck } from "./idempotency.ts";
import { operation } from "./operation.ts";

const invalidConfig = (message: string) => new Ec2Error("InvalidSpotFleetRequestConfig", message);

function checkConfig(ctx: Ec2Context, config: SpotFleetRequestConfigData, now: number): void {
  if (config.IamFleetRole === undefined)
    throw missingParameter("SpotFleetRequestConfig.IamFleetRole");
  if (config.TargetCapacity === undefined)
    throw missingParameter("SpotFleetRequestConfig.TargetCapacity");
  if (!Number.isInteger(config.TargetCapacity) || config.TargetCapacity < 1)
    throw invalidValue(
      "targetCapacity",
      config.TargetCapacity,
      "Expecting a value greater than 0.",
    );
  const specs = config.LaunchSpecifications?.length ?? 0;
  const templates = config.LaunchTemplateConfigs?.length ?? 0;
  if (specs === 0 && templates === 0)
    throw invalidConfig("Either LaunchSpecifications or LaunchTemplateConfigs must be specified.");
  if (specs > 0 && templates > 0)
    throw invalidConfig("LaunchSpecifications and LaunchTemplateConfigs cannot be used together.");
  if (config.Type !== undefined && config.Type !== "request" && config.Type !== "maintain")
    throw invalidValue("type", config.Type);
  for (const spec of config.LaunchSpecifications ?? [])
    if (spec.WeightedCapacity !== undefined && !(spec.WeightedCapacity > 0))
      throw invalidValue("weightedCapacity", spec.WeightedCapacity);
  if (config.ValidUntil && config.ValidUntil.getTime() <= now)
    throw invalidConfig("ValidUntil must be in the future.");
  const spot = strategyOf(config.AllocationStrategy ?? "lowestPrice");
  if (!spot || spot === "prioritized")
    throw invalidValue("allocationStrategy", config.AllocationStrategy);
  const onDemand = strategyOf(config.OnDemandAllocationStrategy ?? "lowestPrice");
  if (onDemand !== "lowest-price" && onDemand !== "prioritized")
    throw invalidValue("onDemandAllocationStrategy", config.OnDemandAllocationStrategy);
  spotFleetPools(ctx, config);
}

function fleetTags(config: SpotFleetRequestConfigData) {
  return (config.TagSpecifications ?? []).flatMap((spec) => {
    if (spec.ResourceType !== "spot-fleet-request")
      throw invalidParameter(
        `The value for \`ResourceType\` must be \`spot-fleet-request\`, but got \`${spec.ResourceType ?? ""}\` instead.`,
      );
    return userTags(spec.Tags);
  });
}

function newSpotFleet(
  ctx: Ec2Context,
  config: SpotFleetRequestConfigData,
  print: string,
  now: number,
): SpotFleetRecord {
  return {
    id: newUuidId("sfr"),
    seq: nextSeq(ctx),
    state: "submitted",
    activityStatus: "pending_fulfillment",
    createdAt: now,
    config,
    validFrom: config.ValidFrom?.getTime(),
    validUntil: config.ValidUntil?.getTime(),
    clientToken: config.ClientToken,
    fingerprint: print,
    instanceIds: [],
    weights: {},
    onDemandIds: [],
    launchedUnits: 0,
    tags: fleetTags(config),
  };
}

/** RequestSpotFleet. */
export const requestSpotFleet = operation(
  RequestSpotFleet$,
  (ctx, input: RequestSpotFleetRequest, call): RequestSpotFleetResponse => {
    const config = input.SpotFleetRequestConfig;
    if (!config) throw missingParameter("SpotFleetRequestConfig");
    const print = fingerprint(config);
    const replay = replayOrCheck(ctx, "RequestSpotFleet", config.ClientToken, print);
    if (replay) return { SpotFleetRequestId: replay.reservationId };
    checkConfig(ctx, config, call.now);
    const fleet = newSpotFleet(ctx, config, print, call.now);
    ctx.state.spotFleets[fleet.id] = fleet;
    if (config.ClientToken !== undefined)
      ctx.state.clientTokens[`RequestSpotFleet:${config.ClientToken}`] = {
        fingerprint: print,
        reservationId: fleet.id,
        instanceIds: [],
      };
    if ((fleet.validFrom ?? 0) <= call.now) {
      fleet.state = "active";
      fulfilSpotFleet(ctx, fleet, call.now);
    }
    scheduleSpotFleet(ctx, fleet, call.now);
    ctx.markDirty();
    return { SpotFleetRequestId: fleet.id };
  },
);
