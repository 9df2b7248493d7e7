import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { presentCost } from "../../../../shared/domain/budget.ts";
import { isoFromEpoch, presentAnnex } from "../../../../shared/domain/tags.ts";
import { ec2EventSchema, handleEc2Event } from "../../../../shared/enforcement/ec2-event.ts";
import { runSweep } from "../../../../shared/enforcement/sweep.ts";
import { finalCost, reviseCost } from "../../../../shared/use-cases/annexes/cost.ts";
import { endAnnex } from "../../../../shared/use-cases/annexes/end-annex.ts";
import { anAnnex, fakePorts, seed } from "../../enforcement/fakes.ts";

const plenty = () => 30_000;

describe("reviseCost", () => {
  it("counts what it can price and reports the rest as unknown, never as zero", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: 7200 });
    seed(table, ec2, annex, 2); // m5.large from 0
    const [odd = ""] = seed(table, ec2, annex, 1, { instanceType: "t9.mega" });
    expect(odd).not.toBe("");
    const revised = await reviseCost(ports, annex.id, 3600);
    expect(revised?.cost?.spentUsd).toBeCloseTo(2 * 0.096, 9);
    expect(revised?.cost?.unknownTypes).toEqual(["t9.mega"]);
    const view = presentCost(revised ?? annex, [...table.records.values()], 3600, isoFromEpoch);
    expect(view).toMatchObject({ unknownTypes: ["t9.mega"], burnUsdPerHour: 0.192 });
  });

  it("records each budget mark once, and never lets an older computation overwrite a newer one", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: 100_000, budgetUsd: 0.096 });
    seed(table, ec2, annex, 1); // $0.096/h from 0: the budget lasts an hour
    await reviseCost(ports, annex.id, 2000);
    await reviseCost(ports, annex.id, 3000);
    expect(table.eventTypes(annex.id)).toEqual(["budget-50", "budget-80"]);
    await reviseCost(ports, annex.id, 2500); // late: a later computation is saved
    expect(table.annexes.get(annex.id)?.cost?.asOf).toBe(3000);
    expect(table.annexes.get(annex.id)?.cost?.budgetEndsAt).toBe(3600);
  });

  it("keeps the last spend when prices are unavailable, and the final cost carries it forward", async () => {
    const { ports, table, ec2, prices, warnings } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: 100_000 });
    seed(table, ec2, annex, 1);
    const first = await reviseCost(ports, annex.id, 3600);
    prices.down = true;
    prices.onDemandCache.clear();
    const second = await reviseCost(ports, annex.id, 7200);
    expect(second?.cost).toEqual(first?.cost);
    expect(warnings.map((w) => w.message)).toContain("spend not re-computed: prices unavailable");
    const final = await finalCost(ports, second ?? annex, [...table.records.values()], 7200);
    expect(final).toMatchObject({ final: true, accruals: [] });
    expect(final.spentUsd).toBeCloseTo(2 * 0.096, 9);
  });

  it("watches the annex's spot types while it runs, and lets go of them when it ends", async () => {
    const { ports, table, ec2, prices } = fakePorts();
    prices.setSpot("m5.large", "us-east-1a", 0, 0.03);
    const annex = anAnnex({ kind: "spot-fleet", leaseExpiresAt: 100_000 });
    seed(table, ec2, annex, 1, { market: "spot", availabilityZone: "us-east-1a" });
    const revised = await reviseCost(ports, annex.id, 3600);
    expect(revised?.cost?.spentUsd).toBeCloseTo(0.03, 9);
    expect(revised?.cost?.rates).toEqual({ "m5.large spot us-east-1a": 0.03 });
    const [shown] = presentAnnex(
      revised ?? annex,
      [...table.records.values()],
      undefined,
      3600,
    ).instances;
    expect(shown?.usdPerHour).toBe(0.03);
    expect([...(await prices.watch.watched())]).toEqual([["m5.large", [annex.id]]]);
    await endAnnex(ports, revised ?? annex, "off", 7200);
    expect(table.annexes.get(annex.id)?.cost).toMatchObject({ final: true });
    expect(table.annexes.get(annex.id)?.cost?.spentUsd).toBeCloseTo(0.06, 9);
    expect([...(await prices.watch.watched())]).toEqual([]);
  });
});

describe("status between two computations", () => {
  it("stops counting an instance at its end, though the spend was last computed before it", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: 100_000 });
    const [gone = ""] = seed(table, ec2, annex, 2); // m5.large from 0, $0.096/h each
    const revised = (await reviseCost(ports, annex.id, 600)) ?? annex;
    const record = table.record(annex.id, gone);
    if (record) table.records.set(`${annex.id} ${gone}`, { ...record, endedAt: 900 });
    const view = presentCost(revised, [...table.records.values()], 1800, isoFromEpoch);
    // Both until 900, one until 1800.
    expect(view?.spentUsd).toBeCloseTo((0.096 * 900 + 0.096 * 1800) / 3600, 6);
    expect(view?.burnUsdPerHour).toBeCloseTo(0.096, 9);
    expect(view?.projectedUsd).toBeCloseTo((0.096 * 900 + 0.096 * 100_000) / 3600, 6);
  });
});

describe("budget in the enforcer", () => {
  it("ends an annex whose budget is spent with reason budget, counting its terminations", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: 100_000, budgetUsd: 0.096 });
    const ids = seed(table, ec2, annex, 1, { idleDeadline: 100_000 }); // busy all along
    await reviseCost(ports, annex.id, 10);
    const early = await runSweep(ports, { now: 3599, timeLeft: plenty });
    expect(early.annexesEnded).toBe(0);
    const report = await runSweep(ports, { now: 3600, timeLeft: plenty });
    expect(report.instancesTerminated.budget).toBe(1);
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "budget" });
    expect(ids.map((id) => ec2.state(id))).toEqual(["shutting-down"]);
  });

  it("re-computes the spend when an EC2 event says an instance is gone: the deadline moves out", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: 100_000, budgetUsd: 0.096 });
    const [gone = "", kept = ""] = seed(table, ec2, annex, 2);
    await reviseCost(ports, annex.id, 600);
    expect(table.annexes.get(annex.id)?.cost?.budgetEndsAt).toBe(1800);
    const raw = JSON.parse(
      readFileSync(
        new URL("../../../../events/ec2/state-change-terminated.json", import.meta.url),
        "utf8",
      ),
    );
    raw.detail["instance-id"] = gone;
    const instance = ec2.instances.get(gone);
    if (instance) instance.state = "terminated";
    await handleEc2Event(ports, ec2EventSchema.parse(raw), 900);
    // $0.048 spent by 900 (two instances); the other alone reaches $0.096 at 900 + 1800.
    expect(table.annexes.get(annex.id)?.cost?.budgetEndsAt).toBe(2700);
    expect(kept).not.toBe("");
  });
});
