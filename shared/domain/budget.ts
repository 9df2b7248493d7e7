/**
 * Budgets: the spend an annex keeps (re-computed on every launch, termination, interruption, spot
 * price change and lease reset), the budget marks its audit trail records, its budget deadline,
 * and its effective end — the lease end or the budget deadline, whichever comes first.
 */

import type { Annex, AnnexInstance } from "./annex.ts";
import { burnOf, MIN_BILLED_SECONDS, type SpendCurve, spendAt, whenSpent } from "./cost.ts";
import type { Market } from "./fleet.ts";
import { rateKey } from "./prices.ts";

/** Percentages of the budget the audit trail records when spend reaches them. */
export const BUDGET_MARKS = [50, 80, 100] as const;

/** What the service knows of an annex's spend: its spend curve and what the budget makes of it. */
export interface AnnexCost extends SpendCurve {
  /** When spend reaches the budget at the current burn (absent: no budget, or nothing burns). */
  budgetEndsAt?: number;
  /** Marks of the budget already recorded as reached. */
  marksReached: number[];
  /** When the next mark not yet recorded is reached at the current burn. */
  nextMarkAt?: number;
  /** Instance types with no known price: their instances are not counted. */
  unknownTypes?: string[];
  /** USD per hour now of each pool the annex runs in (`rateKey`: type, market, spot zone). */
  rates?: Record<string, number>;
  /** Set when the annex ended: the spend is its final cost. */
  final?: boolean;
}

/** The latest time a deadline is kept at (9999-12-31T23:59:59Z): a far budget is as good as none. */
const LATEST = 253_402_300_799;

const minOf = (...times: (number | undefined)[]): number | undefined => {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.min(...known) : undefined;
};

/**
 * The annex's cost from a fresh spend curve: the marks it has reached by now (`reached` lists the
 * new ones), the budget deadline and the next mark's time.
 */
export function costOf(
  curve: SpendCurve,
  budgetUsd: number | undefined,
  previous: Pick<AnnexCost, "marksReached"> | undefined,
  unknownTypes: string[] = [],
): { cost: AnnexCost; reached: number[] } {
  const before = previous?.marksReached ?? [];
  const share = (mark: number) => ((budgetUsd ?? 0) * mark) / 100;
  const reachedBy = (mark: number) => (whenSpent(curve, share(mark)) ?? Infinity) <= curve.asOf;
  const reached =
    budgetUsd === undefined
      ? []
      : BUDGET_MARKS.filter((mark) => !before.includes(mark) && reachedBy(mark));
  const marksReached = [...before, ...reached].sort((a, b) => a - b);
  const pending = BUDGET_MARKS.filter((mark) => !marksReached.includes(mark));
  const until = (usd: number) => {
    const at = whenSpent(curve, usd);
    return at === undefined ? undefined : Math.min(at, LATEST);
  };
  const budgetEndsAt = budgetUsd === undefined ? undefined : until(budgetUsd);
  const nextMarkAt =
    budgetUsd === undefined ? undefined : minOf(...pending.map((m) => until(share(m))));
  return {
    cost: {
      ...curve,
      marksReached,
      ...(budgetEndsAt === undefined ? {} : { budgetEndsAt }),
      ...(nextMarkAt === undefined ? {} : { nextMarkAt }),
      ...(unknownTypes.length > 0 ? { unknownTypes: [...unknownTypes].sort() } : {}),
    },
    reached,
  };
}

/** When the annex ends at the latest: its lease end, or its budget deadline if that comes first. */
export function effectiveEnd(annex: Pick<Annex, "leaseExpiresAt" | "cost">): number {
  return minOf(annex.leaseExpiresAt, annex.cost?.budgetEndsAt) ?? annex.leaseExpiresAt;
}

/** When the enforcer must look at the annex: its effective end, or a budget mark before it. */
export function annexDueAt(annex: Pick<Annex, "leaseExpiresAt" | "cost">): number {
  return minOf(effectiveEnd(annex), annex.cost?.nextMarkAt) ?? annex.leaseExpiresAt;
}

/** Whether the annex has spent its budget by `now` (at the burn last computed). */
export function isBudgetSpent(annex: Pick<Annex, "cost">, now: number): boolean {
  const endsAt = annex.cost?.budgetEndsAt;
  return endsAt !== undefined && now >= endsAt;
}

/** The annex's spend at `now`: its final cost once ended, else its curve carried forward. */
export function spentBy(annex: Pick<Annex, "cost">, now: number): number | undefined {
  const cost = annex.cost;
  if (cost === undefined) return undefined;
  return cost.final ? cost.spentUsd : spendAt(cost, Math.max(now, cost.asOf));
}

/** An annex's spend as the API shows it. */
export interface CostView {
  /** Spend so far (the final cost once ended). */
  spentUsd: number;
  /** What its running instances cost per hour now. */
  burnUsdPerHour: number;
  /** The spend at its effective end if nothing changes (the final cost once ended). */
  projectedUsd: number;
  /** When the budget runs out at the current burn. */
  budgetEndsAt?: string;
  final: boolean;
  /** Instance types with no known price, not counted. */
  unknownTypes?: string[];
}

/** Whether the annex has a budget (its deadline depends on every change of its burn). */
export const hasBudget = (annex: Pick<Annex, "budgetUsd">): boolean =>
  annex.budgetUsd !== undefined;

/**
 * The annex's spend curve, less what instances that ended after it was computed no longer add
 * (each stops at its end, at its pool's rate): what status shows between two computations.
 */
export function currentCurve(
  annex: Pick<Annex, "kind" | "cost">,
  instances: readonly AnnexInstance[],
): SpendCurve | undefined {
  const cost = annex.cost;
  if (cost === undefined || cost.final) return cost;
  const stops = instances.flatMap((record) => {
    const rate = instanceRate(annex, { ...record, endedAt: undefined });
    const end = record.endedAt;
    if (
      rate === undefined ||
      end === undefined ||
      end <= cost.asOf ||
      record.launchedAt > cost.asOf
    )
      return [];
    const from = Math.max(cost.asOf, record.launchedAt + MIN_BILLED_SECONDS, end);
    return [{ from, usdPerHour: -rate }];
  });
  return { ...cost, accruals: [...cost.accruals, ...stops] };
}

/** The API view of an annex's spend at `now`, or undefined before its first computation. */
export function presentCost(
  annex: Pick<Annex, "kind" | "cost" | "leaseExpiresAt">,
  instances: readonly AnnexInstance[],
  now: number,
  iso: (epochSeconds: number) => string,
): CostView | undefined {
  const cost = annex.cost;
  const curve = currentCurve(annex, instances);
  if (cost === undefined || curve === undefined) return undefined;
  const final = cost.final === true;
  const spent = final ? cost.spentUsd : spendAt(curve, Math.max(now, cost.asOf));
  const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
  return {
    spentUsd: round(spent),
    burnUsdPerHour: final ? 0 : round(Math.max(0, burnOf(curve))),
    projectedUsd: round(final ? spent : spendAt(curve, Math.max(now, effectiveEnd(annex)))),
    ...(cost.budgetEndsAt !== undefined && !final ? { budgetEndsAt: iso(cost.budgetEndsAt) } : {}),
    final,
    ...(cost.unknownTypes ? { unknownTypes: [...cost.unknownTypes] } : {}),
  };
}

/** How a record is bought: as recorded, else as the annex kind buys. */
export const marketOf = (annex: Pick<Annex, "kind">, record: AnnexInstance): Market =>
  record.market ?? (annex.kind === "on-demand" ? "on-demand" : "spot");

/** What a running instance costs per hour now, as the annex's spend last priced it. */
export function instanceRate(
  annex: Pick<Annex, "kind" | "cost">,
  record: AnnexInstance,
): number | undefined {
  if (record.endedAt !== undefined) return undefined;
  const key = rateKey(record.instanceType, marketOf(annex, record), record.availabilityZone);
  return annex.cost?.rates?.[key];
}
