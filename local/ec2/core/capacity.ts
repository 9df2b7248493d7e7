/**
 * Capacity limits set through the control interface, per instance type and optionally per
 * Availability Zone and market. A launch counts against every limit that covers it: the type's,
 * the type's in its zone, the type's in its market, and the type's in its zone and market.
 */

export type Market = "spot" | "on-demand";

/** What a limit covers: a type, optionally narrowed to a zone and/or a market. */
export interface CapacityPool {
  type: string;
  availabilityZone?: string;
  market?: Market;
}

/** The settings key of a limit: `type`, `type:zone`, `type::market` or `type:zone:market`. */
export function capacityKey(pool: CapacityPool): string {
  return [pool.type, pool.availabilityZone ?? "", pool.market ?? ""].join(":").replace(/:+$/, "");
}

const keyPattern = /^([a-z0-9]+\.[a-z0-9]+)(?::([a-z0-9-]*)(?::(spot|on-demand))?)?$/;

/** Reads a settings key back (undefined when it is not one). */
export function parseCapacityKey(key: string): CapacityPool | undefined {
  const match = keyPattern.exec(key);
  if (!match?.[1]) return undefined;
  return {
    type: match[1],
    availabilityZone: match[2] || undefined,
    market: (match[3] as Market | undefined) || undefined,
  };
}

/** The keys of every limit a launch of `type` in `zone` and `market` counts against. */
const keysFor = (type: string, zone: string, market: Market): string[] => [
  type,
  `${type}:${zone}`,
  `${type}::${market}`,
  `${type}:${zone}:${market}`,
];

/**
 * A working copy of the limits: allocations plan against it and `commit` writes what they took
 * back, so a fleet that launches nothing (MinTargetCapacity) consumes nothing.
 */
export class CapacityLedger {
  private readonly left: Record<string, number>;

  constructor(private readonly limits: Record<string, number>) {
    this.left = { ...limits };
  }

  /** How many instances could launch (Infinity when no limit applies). */
  available(type: string, zone: string, market: Market): number {
    let available = Number.POSITIVE_INFINITY;
    for (const k of keysFor(type, zone, market)) {
      const limit = this.left[k];
      if (limit !== undefined) available = Math.min(available, Math.max(0, limit));
    }
    return available;
  }

  /** Takes up to `wanted`; returns how many it got. */
  take(type: string, zone: string, market: Market, wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.available(type, zone, market)));
    for (const k of keysFor(type, zone, market)) {
      const limit = this.left[k];
      if (limit !== undefined) this.left[k] = limit - granted;
    }
    return granted;
  }

  /** Writes the remaining capacity back to the settings it was made from. */
  commit(): void {
    Object.assign(this.limits, this.left);
  }
}
