import { describe, expect, it } from "vitest";
import type { AnnexInstance } from "../../../shared/domain/annex.ts";
import {
  type FleetAsk,
  fleetOverrides,
  isCapacityError,
  marketShares,
  marketsPhrase,
  maxInstances,
  REMEMBERED_SHORT,
  typesPhrase,
} from "../../../shared/domain/fleet.ts";
import {
  pendingReplacement,
  replacementRefusal,
  withInterruption,
} from "../../../shared/domain/interruption.ts";
import { nextDeadline } from "../../../shared/domain/lease.ts";

const ask: FleetAsk = {
  capacityUnit: "vcpu",
  targetCapacity: 100,
  weights: { "c5.large": 2, "m5.large": 2, "c6i.xlarge": 4 },
  spotPercent: 100,
  onDemandFallback: true,
  replaceInterrupted: false,
  subnets: [
    { subnetId: "subnet-a", availabilityZone: "us-east-1a" },
    { subnetId: "subnet-b", availabilityZone: "us-east-1b" },
  ],
  skippedPools: [],
};

describe("fleet asks", () => {
  it("split the target by the spot share", () => {
    expect(marketShares(ask)).toEqual({ spot: 100, "on-demand": 0 });
    expect(marketShares({ targetCapacity: 7, spotPercent: 50 })).toEqual({
      spot: 4,
      "on-demand": 3,
    });
    expect(marketShares({ targetCapacity: 10, spotPercent: 0 })).toEqual({
      spot: 0,
      "on-demand": 10,
    });
  });

  it("hold the count limit in instances: the target over the smallest weight, rounded up", () => {
    expect(maxInstances(ask)).toBe(50);
    expect(maxInstances({ ...ask, targetCapacity: 101 })).toBe(51);
    expect(maxInstances({ ...ask, weights: undefined, requirements: { vcpus: { min: 4 } } })).toBe(
      25,
    );
    expect(maxInstances({ ...ask, capacityUnit: "instance", targetCapacity: 7 })).toBe(7);
  });

  it("make one override per zone and type, less the pools skipped on that market", () => {
    const skipped = [
      { instanceType: "c5.large", availabilityZone: "us-east-1a", market: "spot" as const },
      { instanceType: "m5.large", availabilityZone: "us-east-1b", market: "on-demand" as const },
    ];
    const spot = fleetOverrides(ask, "spot", skipped);
    expect(spot).toHaveLength(5);
    expect(spot).not.toContainEqual(
      expect.objectContaining({ subnetId: "subnet-a", instanceType: "c5.large" }),
    );
    expect(spot).toContainEqual({ subnetId: "subnet-b", instanceType: "c6i.xlarge", weight: 4 });
    expect(fleetOverrides(ask, "on-demand", skipped)).toHaveLength(5);
  });

  it("leave skipped types out of attribute-based overrides, zone by zone", () => {
    const abs = { ...ask, weights: undefined, requirements: { vcpus: { min: 2, max: 8 } } };
    const skipped = [
      { instanceType: "c5.large", availabilityZone: "us-east-1a", market: "spot" as const },
    ];
    expect(fleetOverrides(abs, "spot", skipped)).toEqual([
      { subnetId: "subnet-a", requirements: abs.requirements, excludedTypes: ["c5.large"] },
      { subnetId: "subnet-b", requirements: abs.requirements },
    ]);
  });

  it("say their markets and types as the confirmation shows them", () => {
    expect(marketsPhrase(ask)).toBe("spot, falling back to on-demand");
    expect(marketsPhrase({ spotPercent: 100, onDemandFallback: false })).toBe("spot only");
    expect(marketsPhrase({ spotPercent: 0, onDemandFallback: true })).toBe("on-demand");
    expect(marketsPhrase({ spotPercent: 60, onDemandFallback: true })).toBe(
      "60% spot, falling back to on-demand; 40% on-demand",
    );
    expect(typesPhrase(ask)).toBe("c5.large, m5.large or c6i.xlarge");
    expect(typesPhrase({ requirements: { vcpus: { min: 2 }, memoryPerVcpuGiB: { max: 4 } } })).toBe(
      "any type with 2 or more vCPUs with 0–4 GiB per vCPU",
    );
  });

  it("count no capacity, and pools remembered short, as capacity errors; other refusals not", () => {
    expect(isCapacityError("InsufficientInstanceCapacity")).toBe(true);
    expect(isCapacityError("InsufficientFreeAddressesInSubnet")).toBe(true);
    expect(isCapacityError("UnfulfillableCapacity")).toBe(true);
    expect(isCapacityError(REMEMBERED_SHORT)).toBe(true);
    expect(isCapacityError("SpotMaxPriceTooLow")).toBe(false);
    expect(isCapacityError("InvalidFleetConfiguration")).toBe(false);
  });
});

describe("interruptions", () => {
  const instance: AnnexInstance = {
    annexId: "01ANNEX",
    instanceId: "i-0123456789abcdef0",
    instanceType: "c5.large",
    ec2State: "running",
    launchedAt: 0,
    bootstrappedAt: 60,
    idleDeadline: 5_000,
    market: "spot",
    version: 1,
  };
  const replacing = { fleet: { ...ask, replaceInterrupted: true } };

  it("record the first warning's time and the most serious kind, once", () => {
    const warned = withInterruption(instance, "rebalance-recommendation", undefined, 100);
    expect(warned).toMatchObject({
      interruptionNoticeAt: 100,
      interruptionKind: "rebalance-recommendation",
    });
    const upgraded = warned && withInterruption(warned, "spot-interruption", undefined, 200);
    expect(upgraded).toMatchObject({
      interruptionNoticeAt: 100,
      interruptionKind: "spot-interruption",
    });
    expect(
      upgraded && withInterruption(upgraded, "rebalance-recommendation", undefined, 300),
    ).toBeUndefined();
    expect(
      withInterruption({ ...instance, endedAt: 50 }, "spot-interruption", undefined, 100),
    ).toBeUndefined();
  });

  it("make a replacement due only for spot instances of annexes that asked", () => {
    expect(withInterruption(instance, "spot-interruption", replacing, 100)?.replacement).toEqual({
      dueAt: 100,
    });
    expect(
      withInterruption(instance, "spot-interruption", { fleet: ask }, 100)?.replacement,
    ).toBeUndefined();
    expect(
      withInterruption({ ...instance, market: "on-demand" }, "spot-interruption", replacing, 100)
        ?.replacement,
    ).toBeUndefined();
  });

  it("keep a due replacement in the deadline index, even after the instance ended", () => {
    const due = { ...instance, replacement: { dueAt: 100 } };
    expect(nextDeadline(due)).toBe(100);
    expect(nextDeadline({ ...due, endedAt: 150 })).toBe(100);
    expect(pendingReplacement({ replacement: { dueAt: 100, doneAt: 120 } })).toBeUndefined();
    expect(nextDeadline({ ...due, replacement: { dueAt: 100, doneAt: 120 } })).toBe(5_000);
  });

  it("refuse a replacement with no more than the boot grace left, or for an annex no longer live", () => {
    const annex = {
      state: "running" as const,
      leaseExpiresAt: 2_000,
      bootGraceSeconds: 900,
      fleet: ask,
    };
    expect(replacementRefusal(annex, 1_000)).toBeUndefined();
    expect(replacementRefusal(annex, 1_100)).toContain("boot grace");
    expect(replacementRefusal({ ...annex, state: "stopping" }, 0)).toContain("no longer live");
    expect(replacementRefusal(undefined, 0)).toContain("no longer live");
  });
});
