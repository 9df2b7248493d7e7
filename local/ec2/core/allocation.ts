/** Fleet allocation: filling a target capacity (in weight units) from pools of launch specifications. */

import type { Ec2Context } from "./context.ts";
import type { LaunchSpec } from "./launch.ts";

export interface Pool {
  spec: LaunchSpec;
  /** Capacity units one instance counts for. */
  weight: number;
  /** Price of one instance per hour in this pool (spot or on-demand). */
  price: number;
  /** Highest price per instance-hour the caller accepts, if any. */
  maxPrice?: number;
  /** Lower first, for prioritized strategies. */
  priority?: number;
}

export type Strategy = "lowest-price" | "diversified" | "prioritized";

export interface Allocation {
  pool: Pool;
  count: number;
}

/** The EC2 Fleet / Spot Fleet strategy names, reduced to how the emulator orders pools. */
export function strategyOf(name: string | undefined): Strategy {
  const normalized = (name ?? "lowest-price").replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
  if (normalized === "diversified") return "diversified";
  if (normalized === "prioritized" || normalized === "capacity-optimized-prioritized")
    return "prioritized";
  return "lowest-price";
}

const perUnit = (pool: Pool) => pool.price / pool.weight;

function ordered(pools: Pool[], strategy: Strategy): Pool[] {
  const byPrice = [...pools].sort((a, b) => perUnit(a) - perUnit(b));
  if (strategy !== "prioritized") return byPrice;
  return byPrice.sort(
    (a, b) => (a.priority ?? Number.MAX_SAFE_INTEGER) - (b.priority ?? Number.MAX_SAFE_INTEGER),
  );
}

/**
 * Chooses how many instances to launch from each pool to cover `units`, taking capacity from the
 * fault settings as it goes. Pools priced above their maximum are skipped. `lowest-price` fills from
 * the cheapest pool per unit first; `diversified` spreads instances round-robin over pools.
 */
export function allocate(
  ctx: Ec2Context,
  pools: Pool[],
  units: number,
  strategy: Strategy,
): Allocation[] {
  const eligible = ordered(pools, strategy).filter(
    (p) => p.maxPrice === undefined || p.price <= p.maxPrice,
  );
  const counts = new Map<Pool, number>();
  let remaining = units;
  const take = (pool: Pool, wanted: number) => {
    const got = ctx.faults.takeCapacity(pool.spec.instanceType, wanted);
    if (got > 0) counts.set(pool, (counts.get(pool) ?? 0) + got);
    remaining -= got * pool.weight;
    return got;
  };
  if (strategy === "diversified") {
    let progress = true;
    while (remaining > 0 && progress) {
      progress = false;
      for (const pool of eligible) if (remaining > 0 && take(pool, 1) > 0) progress = true;
    }
  } else {
    for (const pool of eligible) if (remaining > 0) take(pool, Math.ceil(remaining / pool.weight));
  }
  return [...counts].map(([pool, count]) => ({ pool, count }));
}
