/**
 * Fleet allocation: filling a target capacity (in weight units) from capacity pools (a launch
 * specification: one instance type in one subnet) in the order an allocation strategy gives them.
 * Strategy names are EC2 Fleet's and Spot Fleet's (`priceCapacityOptimized` = `price-capacity-optimized`).
 */

import type { CapacityLedger, Market } from "./capacity.ts";
import type { LaunchSpec } from "./launch.ts";

export interface Pool {
  spec: LaunchSpec;
  market: Market;
  /** Capacity units one instance counts for. */
  weight: number;
  /** Price of one instance per hour in this pool (spot or on-demand). */
  price: number;
  /** Highest price per instance-hour the caller accepts, if any. */
  maxPrice?: number;
  /** Lower first, for prioritized strategies. */
  priority?: number;
  /** Why nothing can launch from this pool (e.g. an architecture mismatch). */
  invalid?: { code: string; message: string };
}

export type Strategy =
  | "lowest-price"
  | "diversified"
  | "prioritized"
  | "capacity-optimized"
  | "capacity-optimized-prioritized"
  | "price-capacity-optimized";

export interface Allocation {
  pool: Pool;
  count: number;
}

/** A pool that could not give what was asked of it, as an instant fleet reports it. */
export interface PoolFailure {
  pool: Pool;
  code: "InsufficientInstanceCapacity" | "SpotMaxPriceTooLow" | string;
}

export interface AllocationOptions {
  /** lowest-price only: spread over this many of the cheapest pools (default 1). */
  poolsToUse?: number;
  /** Stop launching once the launched instances cost this much per hour. */
  maxTotalPrice?: number;
}

const strategies: Strategy[] = [
  "lowest-price",
  "diversified",
  "prioritized",
  "capacity-optimized",
  "capacity-optimized-prioritized",
  "price-capacity-optimized",
];

/** A strategy by its EC2 Fleet or Spot Fleet name (camelCase accepted); undefined if unknown. */
export function strategyOf(name: string | undefined): Strategy | undefined {
  const normalized = (name ?? "lowest-price").replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
  return strategies.find((s) => s === normalized);
}

const perUnit = (pool: Pool) => pool.price / pool.weight;
const priorityOf = (pool: Pool) => pool.priority ?? Number.MAX_SAFE_INTEGER;
const availableIn = (ledger: CapacityLedger, pool: Pool) =>
  ledger.available(pool.spec.instanceType, pool.spec.subnet.availabilityZone, pool.market);

/** The pools in the order the strategy tries them. */
function ordered(ledger: CapacityLedger, pools: Pool[], strategy: Strategy, units: number): Pool[] {
  const byPrice = [...pools].sort((a, b) => perUnit(a) - perUnit(b));
  const capacity = (p: Pool) => availableIn(ledger, p);
  if (strategy === "prioritized") return byPrice.sort((a, b) => priorityOf(a) - priorityOf(b));
  if (strategy === "capacity-optimized") return byPrice.sort((a, b) => capacity(b) - capacity(a));
  if (strategy === "capacity-optimized-prioritized")
    return byPrice.sort((a, b) => capacity(b) - capacity(a) || priorityOf(a) - priorityOf(b));
  if (strategy === "price-capacity-optimized") {
    // The pools deep enough for the whole request, cheapest first; then the deepest of the rest.
    const deep = (p: Pool) => capacity(p) * p.weight >= units;
    return [
      ...byPrice.filter(deep),
      ...byPrice.filter((p) => !deep(p)).sort((a, b) => capacity(b) - capacity(a)),
    ];
  }
  return byPrice;
}

/** How many pools are filled side by side: all (diversified), N (lowest-price), else one at a time. */
const windowOf = (strategy: Strategy, options: AllocationOptions) =>
  strategy === "diversified"
    ? Number.POSITIVE_INFINITY
    : strategy === "lowest-price"
      ? Math.max(1, options.poolsToUse ?? 1)
      : 1;

/**
 * Plans how many instances to launch from each pool to cover `units`, taking capacity from the
 * ledger as it goes (the caller commits it). Pools priced above their maximum, or invalid, are
 * skipped and reported, as are pools that ran out of capacity when their turn came.
 */
export function allocate(
  ledger: CapacityLedger,
  pools: Pool[],
  units: number,
  strategy: Strategy,
  options: AllocationOptions = {},
): { allocations: Allocation[]; failures: PoolFailure[]; units: number } {
  const failures: PoolFailure[] = [];
  for (const pool of pools) if (pool.invalid) failures.push({ pool, code: pool.invalid.code });
  const eligible = pools.filter(
    (p) => !p.invalid && (p.maxPrice === undefined || p.price <= p.maxPrice),
  );
  const queue = ordered(ledger, eligible, strategy, units);
  const counts = new Map<Pool, number>();
  const window = windowOf(strategy, options);
  let remaining = units;
  let spent = 0;
  const active: Pool[] = [];
  while (remaining > 0) {
    while (active.length < window && queue.length > 0) active.push(queue.shift() as Pool);
    if (active.length === 0) break;
    for (const pool of [...active]) {
      if (remaining <= 0) break;
      const wanted = window === 1 ? Math.ceil(remaining / pool.weight) : 1;
      const affordable =
        options.maxTotalPrice === undefined
          ? wanted
          : Math.floor((options.maxTotalPrice - spent) / pool.price + 1e-9);
      if (affordable <= 0) return finish(counts, failures, units - remaining);
      const ask = Math.min(wanted, affordable);
      const got = ledger.take(
        pool.spec.instanceType,
        pool.spec.subnet.availabilityZone,
        pool.market,
        ask,
      );
      if (got > 0) counts.set(pool, (counts.get(pool) ?? 0) + got);
      remaining -= got * pool.weight;
      spent += got * pool.price;
      if (got < ask) {
        failures.push({ pool, code: "InsufficientInstanceCapacity" });
        active.splice(active.indexOf(pool), 1);
      }
    }
  }
  if (remaining > 0)
    for (const pool of pools)
      if (!pool.invalid && pool.maxPrice !== undefined && pool.price > pool.maxPrice)
        failures.push({ pool, code: "SpotMaxPriceTooLow" });
  return finish(counts, failures, units - remaining);
}

function finish(counts: Map<Pool, number>, failures: PoolFailure[], units: number) {
  return { allocations: [...counts].map(([pool, count]) => ({ pool, count })), failures, units };
}
