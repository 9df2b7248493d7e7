/**
 * Where prices come from (the Price List for on-demand, EC2's spot price history), where they are
 * kept between calls (DynamoDB in AWS), and the list of annexes whose spot prices the enforcer
 * watches. Sources throw PricesUnavailableError when they cannot answer.
 */

import type { PricePoint } from "../domain/prices.ts";

/** Linux on-demand prices (shared tenancy, no pre-installed software) from the Price List. */
export interface OnDemandPriceSource {
  /** USD per hour of each type in `region`; a type with no such product is left out. */
  onDemandPrices(region: string, types: readonly string[]): Promise<Map<string, number>>;
}

/** Spot prices of types per Availability Zone (Linux/UNIX), from DescribeSpotPriceHistory. */
export interface SpotPriceSource {
  /**
   * Per type, per zone: the price in force at `since` and every change after it, oldest first.
   * A type EC2 has no spot price for is left out.
   */
  spotPriceHistory(
    types: readonly string[],
    since: number,
  ): Promise<Map<string, Record<string, PricePoint[]>>>;
}

/** An on-demand price as cached: absent `usdPerHour` records that the Price List had none. */
export interface CachedOnDemand {
  usdPerHour?: number;
  fetchedAt: number;
}

/** A type's spot prices as cached: per zone, the history from `from` on, fetched at `fetchedAt`. */
export interface CachedSpot {
  zones: Record<string, PricePoint[]>;
  from: number;
  fetchedAt: number;
}

/** Prices kept between calls, per region. */
export interface PriceCache {
  onDemand(region: string, types: readonly string[]): Promise<Map<string, CachedOnDemand>>;
  putOnDemand(region: string, prices: ReadonlyMap<string, CachedOnDemand>): Promise<void>;
  spot(region: string, types: readonly string[]): Promise<Map<string, CachedSpot>>;
  putSpot(region: string, prices: ReadonlyMap<string, CachedSpot>): Promise<void>;
}

/** Which annexes run spot instances of which types: what the enforcer's spot price poll revises. */
export interface SpotWatchList {
  watch(annexId: string, types: readonly string[]): Promise<void>;
  unwatch(annexId: string, types: readonly string[]): Promise<void>;
  /** Every watched type with the annexes that run it. */
  watched(): Promise<Map<string, string[]>>;
}
