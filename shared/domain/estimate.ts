/**
 * The estimate before launch: what an annex can cost at most if every instance it may start runs
 * to its lease end, over every way its request may be filled (the dearest counts), and the checks a
 * budget must pass: a known price for every type, and enough for the first billed minute.
 */

import { MIN_BILLED_SECONDS } from "./cost.ts";
import { ValidationError } from "./errors.ts";
import type { Market } from "./fleet.ts";
import type { PriceSource } from "./prices.ts";

/** Instances of one type, bought one way, at a price (undefined: unknown). */
export interface PricedLine {
  instanceType: string;
  market: Market;
  count: number;
  usdPerHour: number | undefined;
  source?: PriceSource | undefined;
}

/** What an annex can cost, as create and its dry run answer it. */
export interface Estimate {
  /** The most it costs if every instance runs to the lease end; absent when a price is unknown. */
  maxUsd?: number;
  /** What its instances cost per hour, at most. */
  perHourUsd?: number;
  /** Their first billed minute: the least a budget must cover. */
  firstMinuteUsd?: number;
  hours: number;
  /** Which prices the figures use. */
  basis: string;
  unknownTypes?: string[];
}

const BASIS: Record<PriceSource, string> = {
  pinned: "prices pinned by setup",
  "price-list": "on-demand prices from the Price List",
  "spot-now": "spot prices now in the dearest zone",
};

/** USD to the micro-dollar, so answers carry no float noise. */
export const roundUsd = (usd: number): number => Math.round(usd * 1e6) / 1e6;

const perHour = (fill: readonly PricedLine[]) =>
  fill.reduce((sum, line) => sum + line.count * (line.usdPerHour ?? 0), 0);

/** The estimate for a lease of `leaseSeconds` over the possible fills of a request. */
export function estimateOf(fills: readonly PricedLine[][], leaseSeconds: number): Estimate {
  const lines = fills.flat();
  const unknownTypes = [
    ...new Set(lines.filter((l) => l.usdPerHour === undefined).map((l) => l.instanceType)),
  ].sort();
  const sources = [...new Set(lines.flatMap((l) => (l.source ? [l.source] : [])))];
  const basis = sources.map((source) => BASIS[source]).join(" and ") || "no known price";
  const hours = leaseSeconds / 3600;
  if (unknownTypes.length > 0) return { hours, basis, unknownTypes };
  const worst = Math.max(0, ...fills.map(perHour));
  const billedHours = Math.max(leaseSeconds, MIN_BILLED_SECONDS) / 3600;
  return {
    maxUsd: roundUsd(worst * billedHours),
    perHourUsd: roundUsd(worst),
    firstMinuteUsd: roundUsd((worst * MIN_BILLED_SECONDS) / 3600),
    hours,
    basis,
  };
}

/** USD as users read it: cents, or four decimals below a cent; rounded up when `up`. */
export function formatUsd(usd: number, up = false): string {
  const digits = usd > 0 && usd < 0.01 ? 4 : 2;
  const scale = 10 ** digits;
  const shown = up ? Math.ceil(usd * scale - 1e-9) / scale : Math.round(usd * scale) / scale;
  return `$${shown.toFixed(digits)}`;
}

/**
 * Refuses a budget (422, at `path`) that cannot be kept: a type with no known price would run
 * uncapped, and a budget below the first billed minute is spent before anything can stop.
 */
export function checkBudget(budgetUsd: number, estimate: Estimate, path = "budgetUsd"): void {
  if (estimate.unknownTypes !== undefined)
    throw new ValidationError([
      {
        path,
        message: `needs a known price for every instance type, and there is none for ${estimate.unknownTypes.join(", ")} (setup can pin one)`,
      },
    ]);
  const least = estimate.firstMinuteUsd ?? 0;
  if (budgetUsd < least)
    throw new ValidationError([
      {
        path,
        message: `must be at least ${formatUsd(least, true)}: the first billed minute of its instances (EC2 bills at least ${MIN_BILLED_SECONDS} s per instance)`,
      },
    ]);
}

/** The estimate as the audit trail records it. */
export function estimateMessage(estimate: Estimate, budgetUsd: number | undefined): string {
  const cost =
    estimate.maxUsd === undefined
      ? `cost unknown: no price for ${(estimate.unknownTypes ?? []).join(", ")}`
      : `at most ${formatUsd(estimate.maxUsd, true)} (${formatUsd(estimate.perHourUsd ?? 0, true)}/h for ${Number(estimate.hours.toFixed(2))} h, ${estimate.basis})`;
  return budgetUsd === undefined ? `${cost}; no budget` : `${cost}; budget ${formatUsd(budgetUsd)}`;
}
