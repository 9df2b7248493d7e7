import { describe, expect, it } from "vitest";
import {
  annexDueAt,
  costOf,
  effectiveEnd,
  isBudgetSpent,
  presentCost,
} from "../../../shared/domain/budget.ts";
import {
  burnOf,
  instanceCost,
  spendAt,
  spendCurve,
  whenSpent,
} from "../../../shared/domain/cost.ts";
import { ValidationError } from "../../../shared/domain/errors.ts";
import {
  checkBudget,
  estimateMessage,
  estimateOf,
  formatUsd,
} from "../../../shared/domain/estimate.ts";
import { mergeHistory, priceAt, SPOT_POINTS_KEPT } from "../../../shared/domain/prices.ts";
import { isoFromEpoch } from "../../../shared/domain/tags.ts";

const flat = (usdPerHour: number, at = 0) => [{ at, usdPerHour }];

describe("instance cost (EC2's per-second billing)", () => {
  it("bills at least 60 s, then every second", () => {
    expect(instanceCost({ start: 0, end: 10, prices: flat(3.6) }, 100)).toBeCloseTo(0.06, 12);
    expect(instanceCost({ start: 0, end: 61, prices: flat(3.6) }, 100)).toBeCloseTo(0.061, 12);
    expect(instanceCost({ start: 0, prices: flat(3.6) }, 30)).toBeCloseTo(0.06, 12);
    expect(instanceCost({ start: 0, prices: flat(3.6) }, 3600)).toBeCloseTo(3.6, 12);
  });

  it("charges each second at the price then in force", () => {
    const prices = [
      { at: -50, usdPerHour: 1.8 },
      { at: 100, usdPerHour: 3.6 },
    ];
    // 100 s at $1.8/h, then 100 s at $3.6/h.
    expect(instanceCost({ start: 0, end: 200, prices }, 500)).toBeCloseTo(0.05 + 0.1, 12);
    // Before the first point, the first point's price holds.
    expect(instanceCost({ start: 0, end: 100, prices: flat(3.6, 50) }, 100)).toBeCloseTo(0.1, 12);
  });
});

describe("spend curve", () => {
  it("carries the spend forward at the burn of what still runs, from the end of each first minute", () => {
    const curve = spendCurve(
      [
        { start: 0, prices: flat(3.6) }, // running 100 s
        { start: 90, prices: flat(7.2) }, // running 10 s: its minute is billed, it accrues from 150
        { start: 0, end: 50, prices: flat(36) }, // ended: 60 s billed
      ],
      100,
    );
    expect(curve.spentUsd).toBeCloseTo(0.1 + 0.12 + 0.6, 12);
    expect(curve.accruals).toEqual([
      { from: 100, usdPerHour: 3.6 },
      { from: 150, usdPerHour: 7.2 },
    ]);
    expect(burnOf(curve)).toBeCloseTo(10.8, 12);
    expect(spendAt(curve, 150)).toBeCloseTo(0.82 + 0.05, 12);
    expect(spendAt(curve, 250)).toBeCloseTo(0.82 + 0.15 + 0.2, 12);
  });

  it("says when a sum is reached, through the ramps, or never when nothing burns", () => {
    const curve = spendCurve(
      [
        { start: 0, prices: flat(3.6) },
        { start: 90, prices: flat(7.2) },
      ],
      100,
    );
    // 0.22 at 100; +0.001/s until 150 (0.27); then +0.003/s.
    expect(whenSpent(curve, 0.22)).toBe(100);
    expect(whenSpent(curve, 0.25)).toBe(130);
    expect(whenSpent(curve, 0.3)).toBe(160);
    expect(whenSpent(spendCurve([{ start: 0, end: 10, prices: flat(1) }], 100), 5)).toBeUndefined();
  });
});

describe("budget", () => {
  const curve = spendCurve([{ start: 0, prices: flat(3.6) }], 100); // $0.1 at 100, $0.001/s

  it("finds the budget deadline and the next mark, and records each mark once", () => {
    const first = costOf(curve, 1, undefined);
    expect(first.reached).toEqual([]);
    expect(first.cost).toMatchObject({ budgetEndsAt: 1000, nextMarkAt: 500, marksReached: [] });
    const later = spendCurve([{ start: 0, prices: flat(3.6) }], 820);
    const second = costOf(later, 1, first.cost);
    expect(second.reached).toEqual([50, 80]);
    expect(second.cost).toMatchObject({ marksReached: [50, 80], nextMarkAt: 1000 });
    expect(costOf(later, 1, second.cost).reached).toEqual([]);
    expect(costOf(curve, undefined, undefined).cost.budgetEndsAt).toBeUndefined();
  });

  it("keeps a far budget's deadline at a time an ISO date can show", () => {
    const { cost } = costOf(curve, 1e12, undefined);
    expect(isoFromEpoch(cost.budgetEndsAt ?? 0)).toBe("9999-12-31T23:59:59Z");
  });

  it("ends an annex at its lease or its budget deadline, whichever comes first", () => {
    const { cost } = costOf(curve, 1, undefined);
    expect(effectiveEnd({ leaseExpiresAt: 2000, cost })).toBe(1000);
    expect(effectiveEnd({ leaseExpiresAt: 800, cost })).toBe(800);
    expect(annexDueAt({ leaseExpiresAt: 2000, cost })).toBe(500);
    expect(annexDueAt({ leaseExpiresAt: 2000 })).toBe(2000);
    expect(isBudgetSpent({ cost }, 999)).toBe(false);
    expect(isBudgetSpent({ cost }, 1000)).toBe(true);
  });

  it("shows spend so far, burn and the projection at the effective end", () => {
    const { cost } = costOf(curve, 1, undefined);
    expect(
      presentCost({ kind: "on-demand", cost, leaseExpiresAt: 600 }, [], 200, isoFromEpoch),
    ).toEqual({
      spentUsd: 0.2,
      burnUsdPerHour: 3.6,
      projectedUsd: 0.6,
      budgetEndsAt: isoFromEpoch(1000),
      final: false,
    });
    const final = { ...cost, accruals: [], spentUsd: 0.5, final: true };
    const ended = { kind: "on-demand" as const, cost: final, leaseExpiresAt: 600 };
    expect(presentCost(ended, [], 5000, isoFromEpoch)).toEqual({
      spentUsd: 0.5,
      burnUsdPerHour: 0,
      projectedUsd: 0.5,
      final: true,
    });
  });
});

describe("estimate", () => {
  const line = (instanceType: string, count: number, usdPerHour: number | undefined) => ({
    instanceType,
    market: "on-demand" as const,
    count,
    usdPerHour,
    source: "price-list" as const,
  });

  it("counts the dearest fill for the whole lease, and its first minute", () => {
    const estimate = estimateOf([[line("a.x", 3, 0.1)], [line("b.x", 2, 0.2)]], 2988);
    expect(estimate).toEqual({
      maxUsd: 0.332,
      perHourUsd: 0.4,
      firstMinuteUsd: 0.006667,
      hours: 0.83,
      basis: "on-demand prices from the Price List",
    });
  });

  it("reports unknown prices instead of a figure, and a budget then cannot be kept", () => {
    const estimate = estimateOf([[line("a.x", 1, 0.1), line("t9.mega", 1, undefined)]], 3600);
    expect(estimate.maxUsd).toBeUndefined();
    expect(estimate.unknownTypes).toEqual(["t9.mega"]);
    expect(() => checkBudget(10, estimate)).toThrow(ValidationError);
    expect(estimateMessage(estimate, undefined)).toBe(
      "cost unknown: no price for t9.mega; no budget",
    );
  });

  it("refuses a budget below the first billed minute, naming the least that works", () => {
    const estimate = estimateOf([[line("a.x", 10, 0.096)]], 2988);
    expect(() => checkBudget(0.01, estimate)).toThrow(
      /budgetUsd: must be at least \$0\.02: the first billed minute/,
    );
    expect(() => checkBudget(0.016, estimate)).not.toThrow();
  });

  it("formats dollars in cents, four decimals under a cent, rounding up on request", () => {
    expect(formatUsd(0.7968)).toBe("$0.80");
    expect(formatUsd(0.7912, true)).toBe("$0.80");
    expect(formatUsd(0.79, true)).toBe("$0.79");
    expect(formatUsd(0.001667, true)).toBe("$0.0017");
    expect(formatUsd(0)).toBe("$0.00");
  });
});

describe("price histories", () => {
  it("answers the price in force at a time", () => {
    const history = [
      { at: 10, usdPerHour: 1 },
      { at: 20, usdPerHour: 2 },
    ];
    expect([priceAt(history, 5), priceAt(history, 10), priceAt(history, 25)]).toEqual([1, 1, 2]);
    expect(priceAt([], 5)).toBeUndefined();
  });

  it("merges by time, the newer list winning, and keeps the newest points", () => {
    expect(
      mergeHistory(
        [
          { at: 1, usdPerHour: 1 },
          { at: 2, usdPerHour: 2 },
        ],
        [{ at: 2, usdPerHour: 3 }],
      ),
    ).toEqual([
      { at: 1, usdPerHour: 1 },
      { at: 2, usdPerHour: 3 },
    ]);
    const many = Array.from({ length: SPOT_POINTS_KEPT + 5 }, (_, at) => ({ at, usdPerHour: 1 }));
    const kept = mergeHistory(many, []);
    expect(kept).toHaveLength(SPOT_POINTS_KEPT);
    expect(kept[0]?.at).toBe(5);
  });
});
