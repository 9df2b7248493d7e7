/** CreateFleet: an EC2 Fleet's on-demand and spot shares, launched from launch templates. */

import {
  CreateFleet$,
  type CreateFleetError,
  type CreateFleetInstance,
  type CreateFleetRequest,
  type CreateFleetResult,
  type LaunchTemplateAndOverridesResponse,
} from "@aws-sdk/client-ec2";
import { strategyOf } from "../core/allocation.ts";
import type { Ec2Context } from "../core/context.ts";
import { nextSeq } from "../core/context.ts";
import { type Lifecycle, launchUnits, priced } from "../core/fleet-launch.ts";
import { fleetPools } from "../core/fleet-pools.ts";
import { scheduleFleet } from "../core/fleets.ts";
import { newUuidId } from "../core/ids.ts";
import type { FleetRecord, TagPair } from "../core/state.ts";
import { tagSpecifications } from "../core/tags.ts";
import { Ec2Error, invalidValue, missingParameter } from "../protocol/errors.ts";
import { fingerprint, replayOrCheck } from "./idempotency.ts";
import { operation } from "./operation.ts";

type Pools = ReturnType<typeof fleetPools>;

function split(input: CreateFleetRequest): { spot: number; onDemand: number } {
  const t = input.TargetCapacitySpecification;
  if (!t || t.TotalTargetCapacity === undefined)
    throw missingParameter("TargetCapacitySpecification.TotalTargetCapacity");
  const total = t.TotalTargetCapacity;
  if (!Number.isInteger(total) || total < 1) throw invalidValue("TotalTargetCapacity", total);
  const fallback = t.DefaultTargetCapacityType ?? "on-demand";
  const onDemand =
    t.OnDemandTargetCapacity ??
    (t.SpotTargetCapacity !== undefined
      ? total - t.SpotTargetCapacity
      : fallback === "on-demand"
        ? total
        : 0);
  const spot = t.SpotTargetCapacity ?? total - onDemand;
  if (onDemand < 0 || spot < 0 || onDemand + spot > total)
    throw new Ec2Error(
      "InvalidTargetCapacitySpecification",
      "The on-demand and spot target capacities exceed the total target capacity.",
    );
  return { spot, onDemand: total - spot };
}

function andOverrides(pool: Pools[number]): LaunchTemplateAndOverridesResponse {
  const spec = pool.source.config.LaunchTemplateSpecification ?? {};
  return {
    LaunchTemplateSpecification: {
      LaunchTemplateId: spec.LaunchTemplateId,
      LaunchTemplateName: spec.LaunchTemplateName,
      Version: spec.Version ?? "1",
    },
    Overrides: pool.source.override as LaunchTemplateAndOverridesResponse["Overrides"],
  };
}

function launchShare(
  ctx: Ec2Context,
  fleet: FleetRecord,
  pools: Pools,
  units: number,
  lifecycle: Lifecycle,
  strategy: string | undefined,
  now: number,
) {
  const byPool = new Map(pools.map((p) => [p.spec, p]));
  const pricedPools = pools.map((p) => priced(ctx, p, lifecycle));
  const result = launchUnits(
    ctx,
    pricedPools,
    units,
    strategyOf(strategy),
    lifecycle,
    fleet.id,
    now,
  );
  const instances: CreateFleetInstance[] = result.launches.map((l) => {
    const source = byPool.get(l.pool.spec) as Pools[number];
    for (const instance of l.instances) {
      fleet.instanceIds.push(instance.id);
      fleet.weights[instance.id] = l.pool.weight;
    }
    return {
      LaunchTemplateAndOverrides: andOverrides(source),
      Lifecycle: lifecycle,
      InstanceIds: l.instances.map((i) => i.id),
      InstanceType: l.pool.spec.instanceType as CreateFleetInstance["InstanceType"],
    };
  });
  const errors: CreateFleetError[] =
    result.units >= units || pools[0] === undefined
      ? []
      : [
          {
            LaunchTemplateAndOverrides: andOverrides(
              pools.find((p) => ctx.faults.capacityOf(p.spec.instanceType) === 0) ?? pools[0],
            ),
            Lifecycle: lifecycle,
            ErrorCode: "InsufficientInstanceCapacity",
            ErrorMessage: `There is no ${lifecycle === "spot" ? "Spot" : "On-Demand"} capacity available that matches your request.`,
          },
        ];
  return { instances, errors, units: result.units };
}

function newFleet(
  ctx: Ec2Context,
  input: CreateFleetRequest,
  print: string,
  now: number,
): FleetRecord {
  const type = input.Type ?? "maintain";
  if (type !== "instant" && type !== "request" && type !== "maintain")
    throw invalidValue("type", type);
  return {
    id: newUuidId("fleet"),
    seq: nextSeq(ctx),
    type,
    state: "active",
    createdAt: now,
    clientToken: input.ClientToken,
    fingerprint: print,
    request: input,
    instanceIds: [],
    weights: {},
    validUntil: input.ValidUntil?.getTime(),
    terminateOnExpiry: input.TerminateInstancesWithExpiration === true,
    tags: [],
    result: {},
  };
}

/** The fleet's pools, with the request's instance tags added to each. */
function taggedPools(ctx: Ec2Context, input: CreateFleetRequest, instanceTags: TagPair[]): Pools {
  return fleetPools(ctx, input.LaunchTemplateConfigs ?? []).map((p) => ({
    ...p,
    spec: { ...p.spec, instanceTags: [...p.spec.instanceTags, ...instanceTags] },
  }));
}

/** CreateFleet: launches the on-demand share, then the spot share, at once (all types). */
export const createFleet = operation(
  CreateFleet$,
  (ctx, input: CreateFleetRequest, call): CreateFleetResult => {
    const print = fingerprint(input);
    const replay = replayOrCheck(ctx, "CreateFleet", input.ClientToken, print);
    const earlier = replay ? ctx.state.fleets[replay.reservationId] : undefined;
    if (earlier) return earlier.result;
    if (!input.LaunchTemplateConfigs?.length) throw missingParameter("LaunchTemplateConfigs");
    const { spot, onDemand } = split(input);
    const fleet = newFleet(ctx, input, print, call.now);
    const tags = tagSpecifications(input.TagSpecifications, ["fleet", "instance"]);
    fleet.tags = tags.get("fleet") ?? [];
    const pools = taggedPools(ctx, input, tags.get("instance") ?? []);
    ctx.state.fleets[fleet.id] = fleet;
    const share = (units: number, lifecycle: Lifecycle, strategy?: string) =>
      launchShare(ctx, fleet, pools, units, lifecycle, strategy, call.now);
    const od = share(onDemand, "on-demand", input.OnDemandOptions?.AllocationStrategy);
    const sp = share(spot, "spot", input.SpotOptions?.AllocationStrategy);
    const errors = [...od.errors, ...sp.errors];
    const instances = fleet.type === "instant" ? [...od.instances, ...sp.instances] : undefined;
    fleet.result = { FleetId: fleet.id, Errors: errors, Instances: instances };
    if (input.ClientToken !== undefined)
      ctx.state.clientTokens[`CreateFleet:${input.ClientToken}`] = {
        fingerprint: print,
        reservationId: fleet.id,
        instanceIds: fleet.instanceIds,
      };
    scheduleFleet(ctx, fleet);
    ctx.markDirty();
    return fleet.result;
  },
);
