/**
 * Prices as the service knows them: markets, price points over time, the pinned table setup may
 * store, how long a fetched price is trusted, and the error when no price source answers.
 */

import { DomainError, type ErrorOptions } from "./errors.ts";
import type { Market } from "./fleet.ts";

/** A price in force from `at` (epoch seconds) on, in USD per instance-hour. */
export interface PricePoint {
  at: number;
  usdPerHour: number;
}

/** Negotiated on-demand prices setup pins, USD per hour by instance type; they win over the Price List. */
export type PriceTable = Record<string, number>;

/**
 * How long a fetched price is trusted before it is fetched again: the Price List changes a few
 * times a year, spot prices at any time. The enforcer polls the spot prices of live annexes' pools
 * at the spot interval. The one home of both intervals.
 */
export const PRICE_REFRESH_SECONDS = { onDemand: 24 * 3600, spot: 300 } as const;

/** Most spot price points kept per type and zone (the oldest go first; the one in force stays). */
export const SPOT_POINTS_KEPT = 500;

/** Where a price came from, as estimates and status report it. */
export type PriceSource = "pinned" | "price-list" | "spot-now";

/** Where an instance's price is the same: its type and market, and for spot its zone. */
export function rateKey(type: string, market: Market, zone: string | undefined): string {
  return market === "spot" ? `${type} spot ${zone ?? "?"}` : `${type} on-demand`;
}

/** The price in force at `at` in a history sorted oldest first (before the first point: the first). */
export function priceAt(history: readonly PricePoint[], at: number): number | undefined {
  let price = history[0]?.usdPerHour;
  for (const point of history) if (point.at <= at) price = point.usdPerHour;
  return price;
}

/** Two histories as one, oldest first, one point per time (the newer list wins), trimmed to SPOT_POINTS_KEPT. */
export function mergeHistory(
  older: readonly PricePoint[],
  newer: readonly PricePoint[],
): PricePoint[] {
  const byTime = new Map<number, number>();
  for (const point of [...older, ...newer]) byTime.set(point.at, point.usdPerHour);
  const merged = [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, usdPerHour]) => ({ at, usdPerHour }));
  return merged.slice(-SPOT_POINTS_KEPT);
}

/** No price source answered and nothing was cached: 503, retry later. */
export class PricesUnavailableError extends DomainError {
  readonly code = "PricesUnavailable";
  readonly status = 503;
  constructor(cause: string, options?: ErrorOptions) {
    super(`prices are unavailable right now (${cause}); retry later`, options);
    this.name = "PricesUnavailableError";
  }
}
