/** Launching a fleet's share of capacity (spot or on-demand) from its pools. */

import { instanceTypes, spotPrice } from "../pricing.ts";
import { allocate, type Pool, type Strategy } from "./allocation.ts";
import type { Ec2Context } from "./context.ts";
import { newId } from "./ids.ts";
import { launch } from "./launch.ts";
import type { InstanceRecord } from "./state.ts";

export type Lifecycle = "spot" | "on-demand";

export interface FleetLaunch {
  pool: Pool;
  lifecycle: Lifecycle;
  instances: InstanceRecord[];
}

/** A pool priced for a lifecycle: the current spot price, or the on-demand price. */
export function priced(ctx: Ec2Context, pool: Omit<Pool, "price">, lifecycle: Lifecycle): Pool {
  const type = pool.spec.instanceType;
  const price =
    lifecycle === "spot"
      ? spotPrice(type, ctx.faults.settings.spotPrices)
      : (instanceTypes.get(type)?.onDemand ?? Number.POSITIVE_INFINITY);
  return { ...pool, price, maxPrice: lifecycle === "spot" ? pool.maxPrice : undefined };
}

/** Launches instances covering up to `units` capacity units; returns what it launched. */
export function launchUnits(
  ctx: Ec2Context,
  pools: Pool[],
  units: number,
  strategy: Strategy,
  lifecycle: Lifecycle,
  fleetId: string,
  at: number,
): { launches: FleetLaunch[]; units: number } {
  if (units <= 0) return { launches: [], units: 0 };
  const launches = allocate(ctx, pools, units, strategy).map(({ pool, count }) => {
    const spec = {
      ...pool.spec,
      fleetId,
      lifecycle: lifecycle === "spot" ? ("spot" as const) : undefined,
    };
    return { pool, lifecycle, instances: launch(ctx, spec, count, newId("r"), at) };
  });
  const launched = launches.reduce((sum, l) => sum + l.instances.length * l.pool.weight, 0);
  return { launches, units: launched };
}
