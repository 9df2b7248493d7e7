/**
 * The estimate and the budget checks through the HTTP API on the local stack: estimates match the
 * emulator's price tables (the Price List for on-demand, today's spot prices for a spot fleet, a
 * price pinned by setup), a dry run writes nothing, a budget that cannot pay the first billed
 * minute or meets an unknown price is a 422 that creates nothing.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import type { Estimate } from "../../../shared/domain/estimate.ts";
import { FLEET_TYPES, fleetRequest } from "../../support/fleet.ts";
import { FLEET_CONFIG, spotRequest } from "../../support/spot-fleet.ts";
import { apiClient, createRequest, SETUP, startTestStack } from "../../support/stack.ts";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack);
  expect((await api("POST", "/setup", SETUP)).status).toBe(200);
});
afterAll(() => stack.stop());

interface DryRun {
  dryRun: true;
  estimate: Estimate;
  request: Record<string, unknown>;
}
interface AnnexAnswer {
  annex: { id: string; name: string; estimate?: Estimate; budgetUsd?: number };
}
interface ErrorAnswer {
  error: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

const control = () => stack.aws.ec2.control;
const tagged = (name: string) =>
  control()
    .instances()
    .filter((i) => i.tags["annex:name"] === name);
/** The lease in hours as the service bills it: whole seconds. */
const leaseHours = (hours: number) => Math.round(hours * 3600) / 3600;

/** Nothing of `name` exists: no annex in the listing, no instance in EC2. */
async function nothingCreated(name: string): Promise<void> {
  const list = await api<{ annexes: Array<{ name: string }> }>("GET", "/annexes");
  expect(list.body.annexes.map((a) => a.name)).not.toContain(name);
  expect(tagged(name)).toEqual([]);
}

describe("estimate: on-demand", () => {
  it("matches the Price List for 10 m5.large for 0.83 h, and a dry run writes nothing", async () => {
    const body = createRequest("TenLarge", { count: 10, instanceType: "m5.large" });
    const dry = await api<DryRun>("POST", "/annexes", { ...body, dryRun: true });
    expect(dry.status).toBe(200);
    const price = control().onDemandPrice("m5.large");
    expect(price).toBe(0.096);
    expect(dry.body.estimate).toMatchObject({
      perHourUsd: 10 * price,
      hours: leaseHours(0.83),
      basis: "on-demand prices from the Price List",
    });
    expect(dry.body.estimate.maxUsd).toBeCloseTo(10 * price * leaseHours(0.83), 6);
    expect(dry.body.estimate.firstMinuteUsd).toBeCloseTo((10 * price) / 60, 6);
    expect(dry.body.request).toMatchObject({ count: 10, instanceType: "m5.large" });
    await nothingCreated("TenLarge");

    // The same token afterwards creates (the dry run claimed nothing), with the same estimate.
    const created = await api<AnnexAnswer>("POST", "/annexes", body);
    expect(created.status).toBe(201);
    expect(created.body.annex.estimate).toEqual(dry.body.estimate);
    await api("DELETE", "/annexes/TenLarge");
  });

  it("uses the pool's default type and reports the estimate in the audit trail", async () => {
    const created = await api<AnnexAnswer>("POST", "/annexes", createRequest("Defaults"));
    expect(created.status).toBe(201);
    expect(created.body.annex.estimate?.perHourUsd).toBe(control().onDemandPrice("m5.large"));
    const status = await api<{ annex: { events: Array<{ type: string; message: string }> } }>(
      "GET",
      "/annexes/Defaults",
    );
    const estimate = status.body.annex.events.find((e) => e.type === "estimate");
    expect(estimate?.message).toBe(
      "at most $0.08 ($0.10/h for 0.83 h, on-demand prices from the Price List); no budget",
    );
    await api("DELETE", "/annexes/Defaults");
  });
});

describe("estimate: spot fleet", () => {
  it("is the dearest specification filling every slot at today's spot price in its dearest zone", async () => {
    const dry = await api<DryRun>("POST", "/annexes", {
      ...spotRequest("SpotEstimate"),
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    const dearest = (type: string) => Math.max(...Object.values(control().spotPrices(type)));
    // 6 slots: 3 m5.large (weight 2) or 2 m5.xlarge (weight 4; whole instances overshoot to 8).
    const [large, xlarge] = FLEET_CONFIG.LaunchSpecifications.map((spec) =>
      dearest(spec.InstanceType),
    );
    const worst = Math.max(3 * (large ?? 0), 2 * (xlarge ?? 0));
    expect(dry.body.estimate.perHourUsd).toBeCloseTo(worst, 6);
    expect(dry.body.estimate.maxUsd).toBeCloseTo(worst * leaseHours(0.83), 6);
    expect(dry.body.estimate.basis).toBe("spot prices now in the dearest zone");
    await nothingCreated("SpotEstimate");
  });

  it("prices a fleet's on-demand share at on-demand prices", async () => {
    const config = { ...FLEET_CONFIG, OnDemandTargetCapacity: 2 };
    const dry = await api<DryRun>("POST", "/annexes", {
      ...spotRequest("SpotMixed", { spotFleetConfig: config }),
      dryRun: true,
    });
    const dearest = (type: string) => Math.max(...Object.values(control().spotPrices(type)));
    const od = (type: string) => control().onDemandPrice(type);
    // m5.large: 1 on demand + 2 spot; m5.xlarge: 1 on demand + 1 spot.
    const worst = Math.max(
      od("m5.large") + 2 * dearest("m5.large"),
      od("m5.xlarge") + dearest("m5.xlarge"),
    );
    expect(dry.body.estimate.perHourUsd).toBeCloseTo(worst, 6);
    expect(dry.body.estimate.basis).toBe(
      "on-demand prices from the Price List and spot prices now in the dearest zone",
    );
  });
});

describe("estimate: EC2 Fleet", () => {
  const dearest = (type: string) => Math.max(...Object.values(control().spotPrices(type)));
  const od = (type: string) => control().onDemandPrice(type);
  /** The dearest type filling `units` vCPUs in whole instances, at `price`. */
  const worst = (units: number, price: (type: string) => number) =>
    Math.max(
      ...Object.entries(FLEET_TYPES).map(([type, vcpus]) => Math.ceil(units / vcpus) * price(type)),
    );
  const dryRun = async (name: string, fleet: Record<string, unknown>) =>
    (await api<DryRun>("POST", "/annexes", { ...fleetRequest(name, {}, fleet), dryRun: true })).body
      .estimate;

  it("prices what may fall back from spot at on-demand prices, over every type", async () => {
    const estimate = await dryRun("FleetFallback", {});
    expect(estimate.perHourUsd).toBeCloseTo(worst(100, od), 6);
    expect(estimate.basis).toBe("on-demand prices from the Price List");
  });

  it("prices spot-only capacity at today's spot price in the dearest zone", async () => {
    const estimate = await dryRun("FleetSpotOnly", { onDemandFallback: false });
    expect(estimate.perHourUsd).toBeCloseTo(worst(100, dearest), 6);
    expect(estimate.basis).toBe("spot prices now in the dearest zone");
  });

  it("adds the dearest fill of each share when part is asked on demand", async () => {
    const estimate = await dryRun("FleetHalf", { spotPercent: 50, onDemandFallback: false });
    expect(estimate.perHourUsd).toBeCloseTo(worst(50, dearest) + worst(50, od), 6);
    expect(estimate.maxUsd).toBeCloseTo((worst(50, dearest) + worst(50, od)) * leaseHours(0.83), 6);
    await nothingCreated("FleetHalf");
  });

  it("bills a fleet's instances by their own type, market and zone", async () => {
    const created = await api<{
      annex: {
        cost?: { burnUsdPerHour: number };
        instances: Array<{
          type: string;
          market?: string;
          availabilityZone?: string;
          usdPerHour?: number;
        }>;
      };
    }>("POST", "/annexes", fleetRequest("FleetBilled", { cores: 8 }, { onDemandFallback: false }));
    expect(created.status).toBe(201);
    const { instances, cost } = created.body.annex;
    expect(instances.length).toBeGreaterThan(0);
    const expected = instances.map(
      (i) => control().spotPrices(i.type)[i.availabilityZone ?? ""] ?? Number.NaN,
    );
    expect(instances.map((i) => i.market)).toEqual(instances.map(() => "spot"));
    expect(instances.map((i) => i.usdPerHour)).toEqual(expected);
    expect(cost?.burnUsdPerHour).toBeCloseTo(
      expected.reduce((a, b) => a + b, 0),
      9,
    );
    await api("DELETE", "/annexes/FleetBilled");
  });
});

describe("budget checks: refused requests create nothing", () => {
  it("refuses a budget below the first billed minute (422 at budgetUsd)", async () => {
    const body = createRequest("TooCheap", { count: 10, budgetUsd: 0.01 });
    const refused = await api<ErrorAnswer>("POST", "/annexes", body);
    expect(refused.status).toBe(422);
    // 10 m5.large for one minute: $0.016.
    expect(refused.body.error.issues).toEqual([
      {
        path: "budgetUsd",
        message:
          "must be at least $0.02: the first billed minute of its instances (EC2 bills at least 60 s per instance)",
      },
    ]);
    await nothingCreated("TooCheap");
    // Neither the name nor the token was taken: the same request with a budget that pays works.
    const paid = await api<AnnexAnswer>("POST", "/annexes", { ...body, budgetUsd: 0.02 });
    expect(paid.status).toBe(201);
    expect(paid.body.annex.budgetUsd).toBe(0.02);
    await api("DELETE", "/annexes/TooCheap");
  });

  it("reports an unknown price as unknown, and refuses a budget that would run uncapped", async () => {
    const unknown = createRequest("NoPrice", { instanceType: "t9.mega" });
    const dry = await api<DryRun>("POST", "/annexes", { ...unknown, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.estimate).toMatchObject({ unknownTypes: ["t9.mega"], basis: "no known price" });
    expect(dry.body.estimate.maxUsd).toBeUndefined();
    const refused = await api<ErrorAnswer>("POST", "/annexes", { ...unknown, budgetUsd: 5 });
    expect(refused.status).toBe(422);
    expect(refused.body.error.issues?.[0]).toEqual({
      path: "budgetUsd",
      message:
        "needs a known price for every instance type, and there is none for t9.mega (setup can pin one)",
    });
    await nothingCreated("NoPrice");
  });

  it("applies the pool's default budget and refuses one above the pool's maximum", async () => {
    const limits = { defaultBudgetUsd: 1, maxBudgetUsd: 2 };
    expect((await api("POST", "/setup", { ...SETUP, limits })).status).toBe(200);
    const dry = await api<DryRun>("POST", "/annexes", { ...createRequest("Dflt"), dryRun: true });
    expect(dry.body.request.budgetUsd).toBe(1);
    const over = await api<ErrorAnswer>(
      "POST",
      "/annexes",
      createRequest("Over", { budgetUsd: 3 }),
    );
    expect(over.status).toBe(422);
    expect(over.body.error.issues?.[0]).toEqual({
      path: "budgetUsd",
      message: "must be at most 2 (the pool's maximum)",
    });
    await nothingCreated("Over");
    const badSetup = await api<ErrorAnswer>("POST", "/setup", {
      ...SETUP,
      limits: { defaultBudgetUsd: 5 },
    });
    expect(badSetup.status).toBe(422);
    expect(badSetup.body.error.issues?.[0]?.path).toBe("limits.defaultBudgetUsd");
    const cleared = { defaultBudgetUsd: 1e9, maxBudgetUsd: 1e9 };
    expect((await api("POST", "/setup", { ...SETUP, limits: cleared })).status).toBe(200);
  });
});

describe("pinned prices", () => {
  it("estimates and bills with the price setup pinned instead of the Price List's", async () => {
    expect((await api("POST", "/setup", { ...SETUP, prices: { "m5.large": 0.085 } })).status).toBe(
      200,
    );
    const check = await api<{ money: Record<string, unknown> }>("GET", "/setup");
    expect(check.body.money).toEqual({
      defaultBudgetUsd: 1e9,
      maxBudgetUsd: 1e9,
      prices: { "m5.large": 0.085 },
    });
    const body = createRequest("Pinned", { count: 2 });
    type Priced = {
      annex: { cost?: { burnUsdPerHour: number }; instances: Array<{ usdPerHour?: number }> };
    };
    const created = await api<AnnexAnswer & Priced>("POST", "/annexes", body);
    expect(created.status).toBe(201);
    expect(created.body.annex.estimate).toMatchObject({
      perHourUsd: 0.17,
      basis: "prices pinned by setup",
    });
    expect(created.body.annex.cost?.burnUsdPerHour).toBeCloseTo(0.17, 9);
    expect(created.body.annex.instances.map((i) => i.usdPerHour)).toEqual([0.085, 0.085]);
    await api("DELETE", "/annexes/Pinned");
    const refusedTable = await api<ErrorAnswer>("POST", "/setup", {
      ...SETUP,
      prices: { "m5.large": 0, "not a type": 1 },
    });
    expect(refusedTable.status).toBe(422);
    expect(refusedTable.body.error.issues?.map((i) => i.path).sort()).toEqual([
      'prices["m5.large"]',
      'prices["not a type"]',
    ]);
  });
});
