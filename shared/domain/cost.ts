/**
 * What instances cost, the way EC2 bills Linux instances: per second, at least 60 s per instance,
 * at the price in force each second (spot prices move). A spend curve is the spend at a moment
 * plus what each running instance adds from then on at its price now: it answers the spend at
 * any later time and when a sum will be reached, which is what budgets are made of.
 */

import { type PricePoint, priceAt } from "./prices.ts";

/** EC2 bills at least this much of every instance it starts. */
export const MIN_BILLED_SECONDS = 60;

/** One instance as billed: when it started and ended (undefined: still running), its prices over time. */
export interface BilledInstance {
  start: number;
  end?: number | undefined;
  /** Oldest first; the first point also covers any time before it. */
  prices: readonly PricePoint[];
}

/** From `from` on, a running instance adds `usdPerHour`. */
export interface Accrual {
  from: number;
  usdPerHour: number;
}

/** What was spent by `asOf`, and what accrues after it while nothing changes. */
export interface SpendCurve {
  spentUsd: number;
  asOf: number;
  accruals: Accrual[];
}

/** USD of a history between two times. */
function integrate(prices: readonly PricePoint[], from: number, to: number): number {
  let usd = 0;
  prices.forEach((point, i) => {
    const start = i === 0 ? from : Math.max(from, point.at);
    const end = Math.min(to, prices[i + 1]?.at ?? Number.POSITIVE_INFINITY);
    if (end > start) usd += (point.usdPerHour * (end - start)) / 3600;
  });
  return usd;
}

/** USD billed for one instance by `now`: from its start to its end (or now), at least 60 s. */
export function instanceCost(instance: BilledInstance, now: number): number {
  const ran = Math.min(instance.end ?? now, now);
  return integrate(
    instance.prices,
    instance.start,
    Math.max(ran, instance.start + MIN_BILLED_SECONDS),
  );
}

/** The spend curve of a set of instances at `now`: running ones accrue at today's price past their first minute. */
export function spendCurve(instances: readonly BilledInstance[], now: number): SpendCurve {
  const byStart = new Map<number, number>();
  let spentUsd = 0;
  for (const instance of instances) {
    spentUsd += instanceCost(instance, now);
    if (instance.end !== undefined && instance.end <= now) continue;
    const from = Math.max(now, instance.start + MIN_BILLED_SECONDS);
    byStart.set(from, (byStart.get(from) ?? 0) + (priceAt(instance.prices, now) ?? 0));
  }
  const accruals = [...byStart.entries()]
    .sort(([a], [b]) => a - b)
    .map(([from, usdPerHour]) => ({ from, usdPerHour }));
  return { spentUsd, asOf: now, accruals };
}

/** USD per hour the running instances cost. */
export const burnOf = (curve: SpendCurve): number =>
  curve.accruals.reduce((sum, accrual) => sum + accrual.usdPerHour, 0);

/** The spend at `at` (≥ the curve's moment) if nothing changes. */
export function spendAt(curve: SpendCurve, at: number): number {
  return curve.accruals.reduce(
    (usd, accrual) => usd + (accrual.usdPerHour * Math.max(0, at - accrual.from)) / 3600,
    curve.spentUsd,
  );
}

/** The second (rounded down) at which the spend reaches `usd` if nothing changes; undefined when it never does. */
export function whenSpent(curve: SpendCurve, usd: number): number | undefined {
  if (curve.spentUsd >= usd) return curve.asOf;
  let spent = curve.spentUsd;
  let at = curve.asOf;
  let rate = 0;
  for (const [i, accrual] of curve.accruals.entries()) {
    spent += (rate * (accrual.from - at)) / 3600;
    at = accrual.from;
    rate += accrual.usdPerHour;
    const next = curve.accruals[i + 1]?.from ?? Number.POSITIVE_INFINITY;
    const reachedAt = rate > 0 ? at + ((usd - spent) * 3600) / rate : Number.POSITIVE_INFINITY;
    if (reachedAt <= next) return Math.floor(reachedAt);
  }
  return undefined;
}
