/** Launching a fleet's share of capacity (spot or on-demand) from its pools. */

import type { Allocation, Pool } from "./allocation.ts";
import type { Market } from "./capacity.ts";
import type { Ec2Context } from "./context.ts";
import type { BasePool } from "./fleet-pools.ts";
import { newId } from "./ids.ts";
import { launch } from "./launch.ts";
import { onDemandPrice, spotPriceAt } from "./prices.ts";
import type { InstanceRecord } from "./state.ts";

export type Lifecycle = Market;

export interface FleetLaunch {
  pool: Pool;
  lifecycle: Lifecycle;
  instances: InstanceRecord[];
}

/** A pool priced for a market: the spot price in force in its zone now, or the on-demand price. */
export function priced(ctx: Ec2Context, pool: BasePool, market: Market, now: number): Pool {
  const type = pool.spec.instanceType;
  const price =
    market === "spot"
      ? spotPriceAt(ctx, type, pool.spec.subnet.availabilityZone, now)
      : onDemandPrice(ctx, type);
  return {
    spec: pool.spec,
    market,
    weight: pool.weight,
    price,
    maxPrice: market === "spot" ? pool.maxPrice : undefined,
    priority: pool.priority,
    invalid: pool.invalid,
  };
}

/** Launches what an allocation planned; spot instances always terminate on shutdown. */
export function launchAllocations(
  ctx: Ec2Context,
  allocations: Allocation[],
  fleetId: string,
  at: number,
): FleetLaunch[] {
  return allocations.map(({ pool, count }) => {
    const spot = pool.market === "spot";
    const spec = {
      ...pool.spec,
      fleetId,
      lifecycle: spot ? ("spot" as const) : undefined,
      shutdownBehavior: spot ? ("terminate" as const) : pool.spec.shutdownBehavior,
    };
    return { pool, lifecycle: pool.market, instances: launch(ctx, spec, count, newId("r"), at) };
  });
}

/** Capacity units an allocation covers. */
export const unitsOf = (launches: { pool: Pool; instances: unknown[] }[]): number =>
  launches.reduce((sum, l) => sum + l.instances.length * l.pool.weight, 0);
