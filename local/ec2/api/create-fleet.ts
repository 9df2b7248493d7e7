/**
 * CreateFleet: an EC2 Fleet's on-demand share, then its spot share, launched at once from launch
 * templates and their overrides (all types; `request` and `maintain` fleets are not replenished).
 * An instant fleet answers its instances and, per pool that failed, an error (as EC2 does).
 */

import {
  CreateFleet$,
  type CreateFleetError,
  type CreateFleetInstance,
  type CreateFleetRequest,
  type CreateFleetResult,
  type FleetLaunchTemplateOverrides,
  type LaunchTemplateAndOverridesResponse,
} from "@aws-sdk/client-ec2";
import type { Pool, PoolFailure } from "../core/allocation.ts";
import { nextSeq } from "../core/context.ts";
import type { FleetLaunch } from "../core/fleet-launch.ts";
import { launchShare } from "../core/fleet-plan.ts";
import { type BasePool, fleetPools } from "../core/fleet-pools.ts";
import { scheduleFleet } from "../core/fleets.ts";
import { newUuidId } from "../core/ids.ts";
import type { FleetRecord } from "../core/state.ts";
import { tagSpecifications } from "../core/tags.ts";
import { invalidParameter, missingParameter } from "../protocol/errors.ts";
import { capacityMessage } from "./capacity.ts";
import { type CheckedFleet, checkFleetRequest } from "./fleet-request.ts";
import { fingerprint, replayOrCheck } from "./idempotency.ts";
import { operation } from "./operation.ts";

function andOverrides(pool: Pool, base: BasePool | undefined): LaunchTemplateAndOverridesResponse {
  const spec = base?.source?.config.LaunchTemplateSpecification ?? {};
  const override = base?.source?.override as FleetLaunchTemplateOverrides | undefined;
  const abs =
    override?.InstanceRequirements !== undefined || (!override?.InstanceType && base?.requirements);
  return {
    LaunchTemplateSpecification: {
      LaunchTemplateId: spec.LaunchTemplateId,
      LaunchTemplateName: spec.LaunchTemplateName,
      Version: spec.Version ?? "1",
    },
    Overrides:
      override || abs
        ? {
            ...override,
            InstanceType: abs ? (pool.spec.instanceType as never) : override?.InstanceType,
          }
        : undefined,
  };
}

const groupKey = (value: object) => JSON.stringify(value);

/** The answer's `Instances`: one entry per template, overrides, lifecycle and type. */
function instancesOf(launches: FleetLaunch[], source: (p: Pool) => BasePool | undefined) {
  const groups = new Map<string, CreateFleetInstance>();
  for (const l of launches) {
    const entry = {
      LaunchTemplateAndOverrides: andOverrides(l.pool, source(l.pool)),
      Lifecycle: l.lifecycle,
      InstanceType: l.pool.spec.instanceType as CreateFleetInstance["InstanceType"],
    };
    const k = groupKey(entry);
    const existing = groups.get(k) ?? { ...entry, InstanceIds: [] };
    existing.InstanceIds?.push(...l.instances.map((i) => i.id));
    groups.set(k, existing);
  }
  return [...groups.values()];
}

/** The answer's `Errors`: one entry per template, overrides, lifecycle and error code. */
function errorsOf(
  ctx: Parameters<typeof capacityMessage>[0],
  failures: PoolFailure[],
  source: (p: Pool) => BasePool | undefined,
) {
  const groups = new Map<string, CreateFleetError>();
  for (const { pool, code } of failures) {
    const type = pool.spec.instanceType;
    const zone = pool.spec.subnet.availabilityZone;
    const message =
      code === "InsufficientInstanceCapacity"
        ? capacityMessage(ctx, type, zone, pool.market)
        : code === "SpotMaxPriceTooLow"
          ? `Your Spot request price of ${pool.maxPrice} is lower than the minimum required Spot request fulfillment price of ${pool.price}.`
          : (pool.invalid?.message ?? code);
    const entry = {
      LaunchTemplateAndOverrides: andOverrides(pool, source(pool)),
      Lifecycle: pool.market,
      ErrorCode: code,
    };
    if (!groups.has(groupKey(entry)))
      groups.set(groupKey(entry), { ...entry, ErrorMessage: message });
  }
  return [...groups.values()];
}

function newFleet(
  ctx: Parameters<typeof nextSeq>[0],
  input: CreateFleetRequest,
  checked: CheckedFleet,
  print: string,
  now: number,
): FleetRecord {
  return {
    id: newUuidId("fleet"),
    seq: nextSeq(ctx),
    type: checked.type,
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

/** CreateFleet. */
export const createFleet = operation(
  CreateFleet$,
  (ctx, input: CreateFleetRequest, call): CreateFleetResult => {
    const print = fingerprint(input);
    const replay = replayOrCheck(ctx, "CreateFleet", input.ClientToken, print);
    const earlier = replay ? ctx.state.fleets[replay.reservationId] : undefined;
    if (earlier) return earlier.result;
    if (!input.LaunchTemplateConfigs?.length) throw missingParameter("LaunchTemplateConfigs");
    const checked = checkFleetRequest(input, call.now);
    const tags = tagSpecifications(
      input.TagSpecifications,
      checked.type === "instant" ? ["fleet", "instance"] : ["fleet"],
    );
    const pools = fleetPools(ctx, input.LaunchTemplateConfigs, {
      unitType: checked.unitType,
      singleSubnet: checked.type === "instant",
    }).map((p) => ({
      ...p,
      spec: { ...p.spec, instanceTags: [...p.spec.instanceTags, ...(tags.get("instance") ?? [])] },
    }));
    if (pools.length === 0)
      throw invalidParameter("No instance type matches the InstanceRequirements of the request.");
    const fleet = newFleet(ctx, input, checked, print, call.now);
    fleet.tags = tags.get("fleet") ?? [];
    ctx.state.fleets[fleet.id] = fleet;
    const bySpec = new Map(pools.map((p) => [p.spec, p]));
    const source = (pool: Pool) => bySpec.get(pool.spec);
    const shares = [
      launchShare(
        ctx,
        fleet.id,
        pools,
        { ...checked.onDemand, unitType: checked.unitType },
        call.now,
      ),
      launchShare(ctx, fleet.id, pools, { ...checked.spot, unitType: checked.unitType }, call.now),
    ];
    const launches = shares.flatMap((s) => s.launches);
    for (const l of launches)
      for (const instance of l.instances) {
        fleet.instanceIds.push(instance.id);
        fleet.weights[instance.id] = l.pool.weight;
      }
    fleet.result = {
      FleetId: fleet.id,
      Errors: errorsOf(
        ctx,
        shares.flatMap((s) => s.failures),
        source,
      ),
      Instances: fleet.type === "instant" ? instancesOf(launches, source) : undefined,
    };
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
