/**
 * On-demand prices as every use-case gets them: a price setup pinned, else the cached Price List
 * price while it is fresh (PRICE_REFRESH_SECONDS), else the Price List's, cached. When the Price
 * List cannot answer, a stale cached price is used; with none, PricesUnavailableError (503).
 * A type the Price List does not know is reported as unknown, never priced at zero.
 */

import {
  PRICE_REFRESH_SECONDS,
  type PriceSource,
  PricesUnavailableError,
  type PriceTable,
} from "../../domain/prices.ts";
import type { CachedOnDemand } from "../../ports/prices.ts";
import type { PricePorts } from "./ports.ts";

/** A price as an estimate or a spend uses it (undefined `usdPerHour`: unknown). */
export interface Quote {
  usdPerHour: number | undefined;
  source: PriceSource | undefined;
}

/** The on-demand price of each of `types` at `now`. */
export async function onDemandQuotes(
  ports: PricePorts,
  pinned: PriceTable | undefined,
  types: readonly string[],
  now: number,
): Promise<Map<string, Quote>> {
  const quotes = new Map<string, Quote>();
  const listed = [...new Set(types)].filter((type) => {
    const price = pinned?.[type];
    if (price !== undefined) quotes.set(type, { usdPerHour: price, source: "pinned" });
    return price === undefined;
  });
  if (listed.length === 0) return quotes;
  const cached = await ports.cache.onDemand(ports.region, listed);
  const stale = listed.filter((type) => {
    const entry = cached.get(type);
    return entry === undefined || now - entry.fetchedAt >= PRICE_REFRESH_SECONDS.onDemand;
  });
  if (stale.length > 0) await refresh(ports, stale, cached, now);
  for (const type of listed) {
    const usdPerHour = cached.get(type)?.usdPerHour;
    quotes.set(type, { usdPerHour, source: usdPerHour === undefined ? undefined : "price-list" });
  }
  return quotes;
}

/** Fetches `types` from the Price List into `cached` (and the cache); keeps stale prices when it fails. */
async function refresh(
  ports: PricePorts,
  types: string[],
  cached: Map<string, CachedOnDemand>,
  now: number,
): Promise<void> {
  let fetched: Map<string, number>;
  try {
    fetched = await ports.onDemandSource.onDemandPrices(ports.region, types);
  } catch (error) {
    if (!(error instanceof PricesUnavailableError) || types.some((t) => !cached.has(t)))
      throw error;
    ports.log.warn("Price List unavailable: using cached prices", { types, error: error.message });
    return;
  }
  const entries = new Map(
    types.map((type) => {
      const usdPerHour = fetched.get(type);
      return [type, usdPerHour === undefined ? { fetchedAt: now } : { usdPerHour, fetchedAt: now }];
    }),
  );
  for (const [type, entry] of entries) cached.set(type, entry);
  await ports.cache.putOnDemand(ports.region, entries).catch((error: unknown) => {
    ports.log.warn("could not cache on-demand prices", { error: String(error) });
  });
}
