/**
 * In-memory prices for unit tests: a Price List (type → USD/h), spot histories per type and zone,
 * the cache and the spot watch list, with call counts and an injectable outage.
 */

import { type PricePoint, PricesUnavailableError } from "../../shared/domain/prices.ts";
import type { CachedOnDemand, CachedSpot, SpotWatchList } from "../../shared/ports/prices.ts";
import type { PricePorts } from "../../shared/use-cases/prices/ports.ts";

export class FakePrices {
  /** The Price List: Linux on-demand USD/h per type. */
  readonly list = new Map<string, number>(
    Object.entries({ "m5.large": 0.096, "m5.xlarge": 0.192, "c5.large": 0.085 }),
  );
  /** Spot histories: type → zone → points (oldest first). */
  readonly spot = new Map<string, Record<string, PricePoint[]>>();
  readonly calls = { priceList: 0, spotHistory: 0 };
  /** While true, both sources answer PricesUnavailableError. */
  down = false;
  readonly onDemandCache = new Map<string, CachedOnDemand>();
  readonly spotCache = new Map<string, CachedSpot>();
  readonly watching = new Map<string, Set<string>>();
  readonly warnings: string[] = [];

  /** Sets a type's spot price in one zone from `at` on. */
  setSpot(type: string, zone: string, at: number, usdPerHour: number): void {
    const zones = this.spot.get(type) ?? {};
    this.spot.set(type, zones);
    zones[zone] = [...(zones[zone] ?? []).filter((p) => p.at !== at), { at, usdPerHour }].sort(
      (a, b) => a.at - b.at,
    );
  }

  readonly ports: PricePorts = {
    region: "us-east-1",
    log: { warn: (message) => this.warnings.push(message) },
    onDemandSource: {
      onDemandPrices: async (_region, types) => {
        this.calls.priceList += 1;
        if (this.down) throw new PricesUnavailableError("Price List: down");
        return new Map(
          types.flatMap((t) => (this.list.has(t) ? [[t, this.list.get(t) ?? 0]] : [])),
        );
      },
    },
    spotSource: {
      spotPriceHistory: async (types, since) => {
        this.calls.spotHistory += 1;
        if (this.down) throw new PricesUnavailableError("spot: down");
        const out = new Map<string, Record<string, PricePoint[]>>();
        for (const type of types) {
          const zones = this.spot.get(type);
          if (zones === undefined) continue;
          const picked: Record<string, PricePoint[]> = {};
          for (const [zone, points] of Object.entries(zones)) {
            const before = points.filter((p) => p.at <= since).slice(-1);
            picked[zone] = [...before, ...points.filter((p) => p.at > since)];
          }
          out.set(type, picked);
        }
        return out;
      },
    },
    cache: {
      onDemand: async (_r, types) =>
        new Map(
          types.flatMap((t) =>
            this.onDemandCache.has(t)
              ? [[t, structuredClone(this.onDemandCache.get(t) as CachedOnDemand)]]
              : [],
          ),
        ),
      putOnDemand: async (_r, prices) => {
        for (const [t, p] of prices) this.onDemandCache.set(t, structuredClone(p));
      },
      spot: async (_r, types) =>
        new Map(
          types.flatMap((t) =>
            this.spotCache.has(t)
              ? [[t, structuredClone(this.spotCache.get(t) as CachedSpot)]]
              : [],
          ),
        ),
      putSpot: async (_r, prices) => {
        for (const [t, p] of prices) this.spotCache.set(t, structuredClone(p));
      },
    },
  };

  readonly watch: SpotWatchList = {
    watch: async (annexId, types) => {
      for (const t of types)
        this.watching.set(t, new Set([...(this.watching.get(t) ?? []), annexId]));
    },
    unwatch: async (annexId, types) => {
      for (const t of types) this.watching.get(t)?.delete(annexId);
    },
    watched: async () =>
      new Map(
        [...this.watching].filter(([, ids]) => ids.size > 0).map(([t, ids]) => [t, [...ids]]),
      ),
  };
}
