/**
 * Planning one market's share of a fleet: price the pools, apply attribute-based price protection,
 * keep to a single type or zone when asked, allocate against a capacity ledger, honour a minimum
 * target (all or nothing), then commit the capacity and launch.
 */

import {
  type AllocationOptions,
  allocate,
  type Pool,
  type PoolFailure,
  type Strategy,
} from "./allocation.ts";
import type { CapacityLedger, Market } from "./capacity.ts";
import type { Ec2Context } from "./context.ts";
import { type FleetLaunch, launchAllocations, priced, unitsOf } from "./fleet-launch.ts";
import type { BasePool, UnitType } from "./fleet-pools.ts";

export interface ShareRequest extends AllocationOptions {
  units: number;
  market: Market;
  strategy: Strategy;
  unitType: UnitType;
  /** Launch nothing unless at least this many units can be launched. */
  minTarget?: number;
  singleInstanceType?: boolean;
  singleAvailabilityZone?: boolean;
}

export interface SharePlan {
  launches: FleetLaunch[];
  failures: PoolFailure[];
  units: number;
}

const referenceFamily = /^[cmr]\d/;

/**
 * EC2's price protection for attribute-based pools: drop pools priced above the threshold over the
 * lowest-priced current-generation C, M or R pool (per vCPU or MiB when capacity is counted so).
 * Defaults: 20 % for on-demand, 100 % for spot.
 */
function protect(
  ctx: Ec2Context,
  pools: { base: BasePool; pool: Pool }[],
  request: ShareRequest,
  now: number,
) {
  const abs = pools.filter((p) => p.base.requirements);
  if (abs.length === 0) return pools;
  const unitPrice = (p: Pool) => (request.unitType === "units" ? p.price : p.price / p.weight);
  const reference = abs.filter(({ pool }) => referenceFamily.test(pool.spec.instanceType));
  const lowest = (market: Market) =>
    Math.min(
      ...(reference.length ? reference : abs).map((p) =>
        unitPrice(priced(ctx, p.base, market, now)),
      ),
    );
  const requirements = abs[0]?.base.requirements ?? {};
  const threshold =
    request.market === "on-demand"
      ? lowest("on-demand") *
        (1 + (requirements.OnDemandMaxPricePercentageOverLowestPrice ?? 20) / 100)
      : requirements.MaxSpotPriceAsPercentageOfOptimalOnDemandPrice !== undefined
        ? (lowest("on-demand") * requirements.MaxSpotPriceAsPercentageOfOptimalOnDemandPrice) / 100
        : lowest("spot") * (1 + (requirements.SpotMaxPricePercentageOverLowestPrice ?? 100) / 100);
  return pools.filter(
    ({ base, pool }) => !base.requirements || unitPrice(pool) <= threshold + 1e-12,
  );
}

function groupsOf(pools: Pool[], request: ShareRequest): Pool[][] {
  if (!request.singleInstanceType && !request.singleAvailabilityZone) return [pools];
  const keyOf = (p: Pool) =>
    `${request.singleInstanceType ? p.spec.instanceType : ""}|${request.singleAvailabilityZone ? p.spec.subnet.availabilityZone : ""}`;
  const groups = new Map<string, Pool[]>();
  for (const pool of pools) groups.set(keyOf(pool), [...(groups.get(keyOf(pool)) ?? []), pool]);
  const cheapest = (g: Pool[]) => Math.min(...g.map((p) => p.price / p.weight));
  return [...groups.values()].sort((a, b) => cheapest(a) - cheapest(b));
}

/** Plans and launches one market's share of a fleet. */
export function launchShare(
  ctx: Ec2Context,
  fleetId: string,
  pools: BasePool[],
  request: ShareRequest,
  now: number,
): SharePlan {
  if (request.units <= 0) return { launches: [], failures: [], units: 0 };
  const pricedPools = pools.map((base) => ({ base, pool: priced(ctx, base, request.market, now) }));
  const eligible = protect(ctx, pricedPools, request, now).map((p) => p.pool);
  let best: { ledger: CapacityLedger; plan: ReturnType<typeof allocate> } | undefined;
  for (const group of groupsOf(eligible, request)) {
    const ledger = ctx.faults.capacityLedger();
    const plan = allocate(ledger, group, request.units, request.strategy, request);
    if (!best || plan.units > best.plan.units) best = { ledger, plan };
    if (plan.units >= request.units) break;
  }
  if (!best) return { launches: [], failures: [], units: 0 };
  const { ledger, plan } = best;
  if (request.minTarget !== undefined && plan.units < request.minTarget)
    return { launches: [], failures: plan.failures, units: 0 };
  ledger.commit();
  const launches = launchAllocations(ctx, plan.allocations, fleetId, now);
  return { launches, failures: plan.failures, units: unitsOf(launches) };
}
