import { describe, expect, it } from "vitest";
import type { FleetAsk } from "../../../../shared/domain/fleet.ts";
import { fleetFills } from "../../../../shared/use-cases/annexes/estimate-fleet.ts";

const catalog = {
  instanceTypes: async (types: readonly string[]) =>
    types.map((instanceType) => ({
      instanceType,
      vcpus: instanceType.startsWith("x") ? 8 : 2,
      memoryMiB: 8192,
    })),
  typesMatching: async () => ["a.large", "x.2xlarge"],
  subnetsPerZone: async () => [],
} as never;

const ask = (overrides: Partial<FleetAsk> = {}): FleetAsk => ({
  capacityUnit: "vcpu",
  targetCapacity: 20,
  weights: { "a.large": 2, "x.2xlarge": 8 },
  spotPercent: 100,
  onDemandFallback: true,
  replaceInterrupted: false,
  subnets: [],
  skippedPools: [],
  ...overrides,
});

describe("fleet fills", () => {
  it("counts what may fall back from spot on demand, in whole instances of each type", async () => {
    expect(await fleetFills(catalog, ask())).toEqual([
      [{ instanceType: "a.large", market: "on-demand", count: 10 }],
      [{ instanceType: "x.2xlarge", market: "on-demand", count: 3 }],
    ]);
  });

  it("pairs every type of the spot share with every type of the on-demand share", async () => {
    const fills = await fleetFills(catalog, ask({ spotPercent: 50, onDemandFallback: false }));
    expect(fills).toHaveLength(4);
    expect(fills[1]).toEqual([
      { instanceType: "a.large", market: "spot", count: 5 },
      { instanceType: "x.2xlarge", market: "on-demand", count: 2 },
    ]);
  });

  it("weighs attribute-based types by their vCPUs, or 1 each when capacity is in instances", async () => {
    const ranges = { weights: undefined, requirements: { vcpus: { min: 2 } } };
    expect(await fleetFills(catalog, ask(ranges))).toEqual([
      [{ instanceType: "a.large", market: "on-demand", count: 10 }],
      [{ instanceType: "x.2xlarge", market: "on-demand", count: 3 }],
    ]);
    const byInstance = ask({ ...ranges, capacityUnit: "instance", targetCapacity: 4 });
    expect((await fleetFills(catalog, byInstance)).map((fill) => fill[0]?.count)).toEqual([4, 4]);
  });
});
