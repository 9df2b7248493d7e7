/** Spot Fleet behaviour over time: fulfilment, replenishment (maintain), ValidUntil, cancellation. */

import { strategyOf } from "./allocation.ts";
import type { Ec2Context } from "./context.ts";
import type { Lifecycle } from "./fleet-launch.ts";
import { launchShare as planAndLaunch } from "./fleet-plan.ts";
import type { UnitType } from "./fleet-pools.ts";
import { isEnding, terminate, USER_INITIATED } from "./lifecycle.ts";
import { spotFleetPools } from "./spot-fleet-pools.ts";
import type { InstanceRecord, SpotFleetRecord } from "./state.ts";

const retryMs = 30_000;
const key = (id: string) => `spot-fleet:${id}`;

const live = (ctx: Ec2Context, fleet: SpotFleetRecord): InstanceRecord[] =>
  fleet.instanceIds.flatMap((id) => {
    const instance = ctx.state.instances[id];
    return instance && !isEnding(instance) ? [instance] : [];
  });

/** Capacity units currently held by live instances, split by lifecycle. */
export function fulfilled(
  ctx: Ec2Context,
  fleet: SpotFleetRecord,
): { total: number; onDemand: number } {
  let total = 0;
  let onDemand = 0;
  for (const instance of live(ctx, fleet)) {
    const weight = fleet.weights[instance.id] ?? 1;
    total += weight;
    if (fleet.onDemandIds.includes(instance.id)) onDemand += weight;
  }
  return { total, onDemand };
}

/** Launches what the fleet is missing; sets its activity status; retries later when short. */
export function fulfilSpotFleet(ctx: Ec2Context, fleet: SpotFleetRecord, at: number): void {
  if (fleet.state !== "active") return;
  const config = fleet.config;
  const target = config.TargetCapacity ?? 0;
  const onDemandTarget = config.OnDemandTargetCapacity ?? 0;
  const have = fulfilled(ctx, fleet);
  const oneTime = config.Type === "request";
  const missing = oneTime
    ? Math.max(0, target - fleet.launchedUnits)
    : Math.max(0, target - have.total);
  if (missing > 0) {
    let base: ReturnType<typeof spotFleetPools>;
    try {
      base = spotFleetPools(ctx, config);
    } catch {
      fleet.activityStatus = "error";
      return;
    }
    const onDemandMissing = Math.min(missing, Math.max(0, onDemandTarget - have.onDemand));
    launchShare(
      ctx,
      fleet,
      base,
      onDemandMissing,
      "on-demand",
      config.OnDemandAllocationStrategy,
      at,
    );
    launchShare(ctx, fleet, base, missing - onDemandMissing, "spot", config.AllocationStrategy, at);
  }
  const reached = oneTime ? fleet.launchedUnits >= target : fulfilled(ctx, fleet).total >= target;
  fleet.activityStatus = reached ? "fulfilled" : "pending_fulfillment";
  if (!reached) ctx.scheduler.schedule(at + retryMs, key(fleet.id));
  ctx.markDirty();
}

function launchShare(
  ctx: Ec2Context,
  fleet: SpotFleetRecord,
  base: ReturnType<typeof spotFleetPools>,
  units: number,
  lifecycle: Lifecycle,
  strategy: string | undefined,
  at: number,
): void {
  const result = planAndLaunch(
    ctx,
    fleet.id,
    base,
    {
      units,
      market: lifecycle,
      strategy: strategyOf(strategy) ?? "lowest-price",
      unitType: (fleet.config.TargetCapacityUnitType as UnitType | undefined) ?? "units",
      poolsToUse: lifecycle === "spot" ? fleet.config.InstancePoolsToUseCount : undefined,
    },
    at,
  );
  for (const { pool, instances } of result.launches)
    for (const instance of instances) {
      fleet.instanceIds.push(instance.id);
      fleet.weights[instance.id] = pool.weight;
      if (lifecycle === "on-demand") fleet.onDemandIds.push(instance.id);
    }
  fleet.launchedUnits += result.units;
}

/** Cancels a fleet; with `terminateInstances` its live instances are terminated. */
export function cancelSpotFleet(
  ctx: Ec2Context,
  fleet: SpotFleetRecord,
  terminateInstances: boolean,
  at: number,
): void {
  const instances = live(ctx, fleet);
  if (terminateInstances)
    for (const instance of instances) terminate(ctx, instance, at, USER_INITIATED);
  fleet.state =
    instances.length === 0
      ? "cancelled"
      : terminateInstances
        ? "cancelled_terminating"
        : "cancelled_running";
  fleet.activityStatus =
    instances.length > 0 && terminateInstances ? "pending_termination" : fleet.activityStatus;
  ctx.markDirty();
}

/** The scheduler's job for `spot-fleet:<id>`: ValidFrom, ValidUntil, and fulfilment retries. */
export function stepSpotFleet(ctx: Ec2Context, id: string, at: number): void {
  const fleet = ctx.state.spotFleets[id];
  if (!fleet) return;
  if (fleet.state === "submitted" && (fleet.validFrom ?? 0) <= at) fleet.state = "active";
  if (fleet.validUntil !== undefined && fleet.validUntil <= at && fleet.state === "active") {
    cancelSpotFleet(
      ctx,
      fleet,
      fleet.config.TerminateInstancesWithExpiration === true,
      fleet.validUntil,
    );
    return;
  }
  fulfilSpotFleet(ctx, fleet, at);
}

/** Reacts to a fleet instance ending: replenish a `maintain` fleet, finish a cancellation. */
export function onSpotFleetInstance(ctx: Ec2Context, instance: InstanceRecord, at: number): void {
  const fleet = instance.fleetId ? ctx.state.spotFleets[instance.fleetId] : undefined;
  if (!fleet || !isEnding(instance)) return;
  if (fleet.state === "active" && fleet.config.Type !== "request")
    ctx.scheduler.schedule(at, key(fleet.id));
  const allGone = fleet.instanceIds.every((id) => {
    const member = ctx.state.instances[id];
    return !member || member.state === "terminated";
  });
  if ((fleet.state === "cancelled_terminating" || fleet.state === "cancelled_running") && allGone) {
    fleet.state = "cancelled";
    ctx.markDirty();
  }
}

/** Re-creates the scheduler's jobs for fleets after loading saved state. */
export function rescheduleSpotFleets(ctx: Ec2Context): void {
  for (const fleet of Object.values(ctx.state.spotFleets)) {
    if (fleet.state !== "active" && fleet.state !== "submitted") continue;
    ctx.scheduler.schedule(fleet.validFrom ?? 0, key(fleet.id));
    if (fleet.validUntil !== undefined) ctx.scheduler.schedule(fleet.validUntil, key(fleet.id));
  }
}

/** Schedules a new fleet's start and expiry. */
export function scheduleSpotFleet(ctx: Ec2Context, fleet: SpotFleetRecord, at: number): void {
  ctx.scheduler.schedule(Math.max(at, fleet.validFrom ?? at), key(fleet.id));
  if (fleet.validUntil !== undefined) ctx.scheduler.schedule(fleet.validUntil, key(fleet.id));
}
