/**
 * Spot prices as every use-case gets them: per type and Availability Zone, the history covering
 * the time asked for, from the cache while it is fresh (PRICE_REFRESH_SECONDS.spot), else with
 * the changes since the last fetch merged in. When EC2 cannot answer, a stale cache is used; with
 * none, PricesUnavailableError. A type with no spot price is reported as unknown.
 */

import {
  mergeHistory,
  PRICE_REFRESH_SECONDS,
  type PricePoint,
  PricesUnavailableError,
  priceAt,
} from "../../domain/prices.ts";
import type { CachedSpot } from "../../ports/prices.ts";
import type { Quote } from "./on-demand.ts";
import type { PricePorts } from "./ports.ts";

/** Per zone, a type's price history (oldest first). */
export type ZoneHistories = Record<string, PricePoint[]>;

const covers = (entry: CachedSpot | undefined, since: number, now: number) =>
  entry !== undefined && entry.from <= since && now - entry.fetchedAt < PRICE_REFRESH_SECONDS.spot;

/** The spot price histories of `types` from `since` to `now`. */
export async function spotHistories(
  ports: PricePorts,
  types: readonly string[],
  since: number,
  now: number,
): Promise<Map<string, ZoneHistories>> {
  const wanted = [...new Set(types)];
  const cached = await ports.cache.spot(ports.region, wanted);
  const stale = wanted.filter((type) => !covers(cached.get(type), since, now));
  if (stale.length > 0) await refreshSpot(ports, stale, cached, since, now);
  return new Map(wanted.map((type) => [type, cached.get(type)?.zones ?? {}]));
}

/**
 * Fetches the changes of `types` since each was last fetched (or since `since`, when the cache
 * does not reach back that far) into `cached` and the cache; returns the types whose prices moved.
 */
export async function refreshSpot(
  ports: PricePorts,
  types: readonly string[],
  cached: Map<string, CachedSpot>,
  since: number,
  now: number,
): Promise<string[]> {
  const startOf = (type: string) => {
    const entry = cached.get(type);
    return entry !== undefined && entry.from <= since ? entry.fetchedAt : since;
  };
  let fetched: Map<string, ZoneHistories>;
  try {
    fetched = await ports.spotSource.spotPriceHistory(types, Math.min(...types.map(startOf)));
  } catch (error) {
    if (!(error instanceof PricesUnavailableError) || types.some((t) => !cached.has(t)))
      throw error;
    ports.log.warn("spot prices unavailable: using cached prices", { types, error: error.message });
    return [];
  }
  const moved: string[] = [];
  const entries = new Map<string, CachedSpot>();
  for (const type of types) {
    const old = cached.get(type);
    const keep = old !== undefined && old.from <= since;
    const zones: ZoneHistories = {};
    const news = fetched.get(type) ?? {};
    for (const zone of new Set([...Object.keys(keep ? old.zones : {}), ...Object.keys(news)]))
      zones[zone] = mergeHistory(keep ? (old.zones[zone] ?? []) : [], news[zone] ?? []);
    if (old !== undefined && JSON.stringify(old.zones) !== JSON.stringify(zones)) moved.push(type);
    entries.set(type, { zones, from: keep ? old.from : since, fetchedAt: now });
  }
  for (const [type, entry] of entries) cached.set(type, entry);
  await ports.cache.putSpot(ports.region, entries).catch((error: unknown) => {
    ports.log.warn("could not cache spot prices", { error: String(error) });
  });
  return moved;
}

/** Each type's spot price now in its dearest zone (what an estimate counts on). */
export async function spotQuotes(
  ports: PricePorts,
  types: readonly string[],
  now: number,
): Promise<Map<string, Quote>> {
  const histories = await spotHistories(ports, types, now, now);
  return new Map(
    [...histories].map(([type, zones]) => {
      const prices = Object.values(zones).flatMap((h) => priceAt(h, now) ?? []);
      const usdPerHour = prices.length > 0 ? Math.max(...prices) : undefined;
      return [type, { usdPerHour, source: usdPerHour === undefined ? undefined : "spot-now" }];
    }),
  );
}
