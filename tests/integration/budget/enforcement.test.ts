/**
 * Budgets on the local stack (EC2 on a ManualClock, sweeps at explicit times): an annex ends
 * `budget` within one tick of reaching it, a lease reset cannot carry it past its budget, and a
 * spot price change moves its budget deadline. Expected figures are computed here from the
 * emulator's own price table, not from the service's arithmetic.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Annex } from "../../../shared/domain/annex.ts";
import { mintHeartbeatToken } from "../../../shared/domain/heartbeat-token.ts";
import { spotRequest } from "../../support/spot-fleet.ts";
import {
  type EnforcementStack,
  OWNER,
  startEnforcementStack,
  TICK,
} from "../enforcement/helpers.ts";

let s: EnforcementStack;
beforeAll(async () => {
  s = await startEnforcementStack();
});
afterAll(() => s.stack.stop());

/** What EC2 charges: per second, at least 60 s (on-demand, one constant price). */
const billed = (usdPerHour: number, seconds: number) => (usdPerHour * Math.max(60, seconds)) / 3600;

/** The second a single constant burn reaches `budget` (spend from `start`). */
const reachedAt = (start: number, usdPerHour: number, budget: number) =>
  start + (budget * 3600) / usdPerHour;

describe("budget: the enforcer ends an annex `budget`", () => {
  it("ends a $0.05 annex within one tick of reaching its budget, spending at most one tick's burn more", async () => {
    const price = s.control.onDemandPrice("m5.2xlarge");
    const { annex, ids } = await s.create("Budget5c", {
      count: 1,
      instanceType: "m5.2xlarge",
      durationHours: 2,
      idleHours: 0.5,
      budgetUsd: 0.05,
    });
    const start = annex.createdAt;
    for (const id of ids) await s.bootstrapped(annex, id, start);
    const reached = reachedAt(start, price, 0.05);
    expect(annex.cost?.budgetEndsAt).toBe(Math.floor(reached));

    const ticks = Array.from({ length: 20 }, (_, i) => start + 17 + i * TICK);
    let endedAt: number | undefined;
    for (const tick of ticks) {
      await s.sweep(tick);
      const now = await s.annex(annex.id);
      if (now.state === "ended") {
        endedAt = tick;
        break;
      }
      expect(tick).toBeLessThan(reached);
    }
    expect(endedAt).toBeDefined();
    const at = endedAt ?? 0;
    expect(at - reached).toBeLessThan(TICK);
    const ended = await s.annex(annex.id);
    expect(ended).toMatchObject({ state: "ended", endReason: "budget" });
    expect(ids.map(s.ec2State).every((state) => state !== "running")).toBe(true);

    const spent = ended.cost?.spentUsd ?? Number.NaN;
    expect(spent).toBeCloseTo(billed(price, at - start), 9);
    expect(spent).toBeLessThanOrEqual(0.05 + (price * TICK) / 3600);
    expect(ended.cost?.final).toBe(true);
    const types = await s.eventTypes(annex.id);
    expect(types.filter((t) => t.startsWith("budget"))).toEqual([
      "budget-50",
      "budget-80",
      "budget-100",
      "budget",
    ]);
    const { getAnnexStatus } = await import("../../../shared/use-cases/annexes/annex-status.ts");
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    const view = await getAnnexStatus(annexPorts, OWNER, annex.name, at + 3600);
    expect(view.cost).toMatchObject({ final: true, spentUsd: Math.round(spent * 1e6) / 1e6 });
  });

  it("records 50% and 80% when spend gets there, from the due index alone", async () => {
    const price = s.control.onDemandPrice("m5.2xlarge");
    const { annex, ids } = await s.create("BudgetMarks", {
      count: 1,
      instanceType: "m5.2xlarge",
      durationHours: 2,
      idleHours: 0.5,
      budgetUsd: 0.05,
    });
    const start = annex.createdAt;
    for (const id of ids) await s.bootstrapped(annex, id, start);
    const half = reachedAt(start, price, 0.025);
    await s.sweep(Math.floor(half) - 1);
    expect(await s.eventTypes(annex.id)).not.toContain("budget-50");
    const report = await s.sweep(Math.ceil(half));
    expect(report.itemsRead).toBeGreaterThan(0);
    expect(await s.eventTypes(annex.id)).toContain("budget-50");
    expect(await s.eventTypes(annex.id)).not.toContain("budget-80");
    await s.sweep(Math.ceil(reachedAt(start, price, 0.04)));
    expect(await s.eventTypes(annex.id)).toContain("budget-80");
    expect((await s.annex(annex.id)).state).not.toBe("ended");
  });
});

describe("budget: a lease reset cannot carry an annex past its budget", () => {
  it("keeps the budget deadline as the effective end, in the heartbeat answer and in the enforcer", async () => {
    const price = s.control.onDemandPrice("m5.2xlarge");
    const { annex, ids } = await s.create("BudgetReset", {
      count: 1,
      instanceType: "m5.2xlarge",
      durationHours: 0.1,
      idleHours: 0.1,
      budgetUsd: 0.05,
    });
    const [id = ""] = ids;
    const start = annex.createdAt;
    await s.bootstrapped(annex, id, start);
    const { resetLease } = await import("../../../shared/use-cases/annexes/reset-lease.ts");
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    s.moveTo(start + 60);
    await s.heartbeat(annex, id, "busy", start + 60);
    const reset = await resetLease(annexPorts, OWNER, annex.name, { durationHours: 5 }, start + 60);
    const deadline = Math.floor(reachedAt(start, price, 0.05));
    expect(reset.leaseExpiresAt).toBe(start + 60 + 5 * 3600);
    expect(reset.cost?.budgetEndsAt).toBe(deadline);

    // The instance's own timer is armed at the budget deadline, not the new lease.
    const storage = await import("../../../shared/composition/storage.ts");
    const { heartbeatPorts } = await import("../../../shared/composition/heartbeat.ts");
    const { recordHeartbeat } = await import(
      "../../../shared/use-cases/instances/record-heartbeat.ts"
    );
    const key = (await storage.configStore.getHeartbeatKey()) ?? "";
    const beat = await recordHeartbeat(
      heartbeatPorts,
      `Bearer ${mintHeartbeatToken(key, annex.id, id)}`,
      { annexId: annex.id, instanceId: id, state: "busy" },
      start + 120,
    );
    expect(beat).toMatchObject({ leaseExpiresAtEpoch: deadline, instruction: "continue" });
    const late = await recordHeartbeat(
      heartbeatPorts,
      `Bearer ${mintHeartbeatToken(key, annex.id, id)}`,
      { annexId: annex.id, instanceId: id, state: "busy" },
      deadline,
    );
    expect(late.instruction).toBe("stop");

    await s.sweep(deadline - 1);
    expect(s.ec2State(id)).toBe("running");
    await s.sweep(deadline);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "budget" });
    expect(s.ec2State(id)).not.toBe("running");
  });
});

/** Records a spot fleet's instances as bootstrap does (type, market, zone from EC2), spend re-computed. */
async function recordFleet(annex: Annex, at: number) {
  const { pricedAnnexPorts: annexPorts } = await import(
    "../../../shared/composition/priced-annexes.ts"
  );
  const { reviseCost } = await import("../../../shared/use-cases/annexes/cost.ts");
  const found = await annexPorts.ec2.findByAnnex(annex.id);
  await s.instances.addInstances(
    found.map((i) => ({
      annexId: annex.id,
      instanceId: i.id,
      instanceType: i.type,
      ...(i.market ? { market: i.market } : {}),
      ...(i.availabilityZone ? { availabilityZone: i.availabilityZone } : {}),
      ec2State: i.state,
      launchedAt: i.launchedAt,
      bootstrappedAt: at,
      idleDeadline: at + 3600,
      version: 1,
    })),
  );
  await reviseCost(annexPorts, annex.id, at);
  return found;
}

describe("budget: spot price changes move the budget deadline", () => {
  it("moves it earlier when the price rises and later when it falls, at the enforcer's poll", async () => {
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    const { createAnnex } = await import("../../../shared/use-cases/annexes/create-annex.ts");
    const config = {
      IamFleetRole: "arn:aws:iam::000000000000:role/aws-ec2-spot-fleet-tagging-role",
      LaunchSpecifications: [{ InstanceType: "m5.large", WeightedCapacity: 1 }],
    };
    const body = spotRequest("SpotBudget", {
      slots: 2,
      spotFleetConfig: config,
      durationHours: 3,
      idleHours: 1,
      budgetUsd: 0.05,
    });
    // Clear of the polls earlier sweeps ran: the first sweep below polls.
    const { spotPriceAt = 0 } = await s.annexes.sweepMarks();
    s.moveTo(Math.max(s.now(), spotPriceAt + 300));
    const start = s.now();
    const { annex } = await createAnnex(annexPorts, OWNER, body, start);
    const zones = s.control.spotPrices("m5.large");
    const instances = await recordFleet(annex, start);
    expect(instances.map((i) => i.market)).toEqual(["spot", "spot"]);
    const p0 = instances.map((i) => zones[i.availabilityZone ?? ""] ?? Number.NaN);
    const before = await s.annex(annex.id);
    // Both since `start` at their zone's price: 0.05 = Σ p0 (t − start) / 3600.
    const sum0 = p0.reduce((a, b) => a + b, 0);
    expect(before.cost?.budgetEndsAt).toBe(Math.floor(start + (0.05 * 3600) / sum0));

    await s.sweep(start + 10); // the first poll: nothing moved yet
    const rise = start + 30;
    s.moveTo(rise);
    s.control.setSpotPrice("m5.large", 0.1);
    await s.sweep(start + 309); // the next poll is due 300 s after the first
    expect((await s.annex(annex.id)).cost?.budgetEndsAt).toBe(before.cost?.budgetEndsAt);

    const poll = await s.sweep(start + 310);
    expect(poll.spotTypesMoved).toBe(1);
    const risen = await s.annex(annex.id);
    const spentAtRise = (sum0 * (rise - start)) / 3600;
    const expectedRisen = rise + ((0.05 - spentAtRise) * 3600) / (2 * 0.1);
    expect(Math.abs((risen.cost?.budgetEndsAt ?? 0) - expectedRisen)).toBeLessThanOrEqual(1);
    expect(risen.cost?.budgetEndsAt ?? 0).toBeLessThan(before.cost?.budgetEndsAt ?? 0);

    const fall = start + 400;
    s.moveTo(fall);
    s.control.setSpotPrice("m5.large", 0.01);
    // Due for its 50% mark by now, the annex is re-computed at fresh prices by the due sweep
    // itself (the poll then finds nothing new): either way the deadline follows the price.
    await s.sweep(start + 610);
    const fallen = await s.annex(annex.id);
    const spentAtFall = spentAtRise + (2 * 0.1 * (fall - rise)) / 3600;
    const expectedFallen = fall + ((0.05 - spentAtFall) * 3600) / (2 * 0.01);
    expect(Math.abs((fallen.cost?.budgetEndsAt ?? 0) - expectedFallen)).toBeLessThanOrEqual(1);
    expect(fallen.cost?.budgetEndsAt ?? 0).toBeGreaterThan(risen.cost?.budgetEndsAt ?? 0);
    s.control.setSpotPrice("m5.large", undefined);
  });
});
