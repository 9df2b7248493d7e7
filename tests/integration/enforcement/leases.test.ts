import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Annex } from "../../../shared/domain/annex.ts";
import { isoFromEpoch } from "../../../shared/domain/tags.ts";
import { TEST_IMAGE } from "../../support/stack.ts";
import {
  type EnforcementStack,
  eventually,
  firstTickAtOrAfter,
  OWNER,
  startEnforcementStack,
  TICK,
} from "./helpers.ts";

let s: EnforcementStack;
beforeAll(async () => {
  s = await startEnforcementStack();
});
afterAll(() => s.stack.stop());

/** An annex item as create writes it before launching (step 2 of the write-ahead create). */
const annexItem = (name: string, now: number, leaseExpiresAt: number): Annex => ({
  id: `01K${name.toUpperCase().padEnd(23, "0")}`,
  name,
  owner: OWNER,
  kind: "on-demand",
  state: "requested",
  requestedCount: 2,
  instanceType: "m5.large",
  imageId: TEST_IMAGE,
  securityGroupIds: [],
  owners: ["alice"],
  noOwner: false,
  tags: {},
  leaseExpiresAt,
  idleTimeoutSeconds: 900,
  bootGraceSeconds: 900,
  clientToken: `token-${name}`,
  requestHash: "0".repeat(64),
  configKey: "",
  createdAt: now,
  updatedAt: now,
  version: 1,
});

describe("enforcer: leases", () => {
  it("terminates an annex's instances no later than one tick after its lease ends", async () => {
    const { annex, ids } = await s.create("LeaseOnTime", {
      count: 3,
      durationHours: 0.1,
      idleHours: 0.1,
    });
    const lease = annex.leaseExpiresAt;
    for (const id of ids) await s.bootstrapped(annex, id, s.now());
    // Ticks every minute from an offset that does not line up with the lease.
    const firstTick = s.now() + 17;
    const lastBefore = firstTickAtOrAfter(lease, firstTick) - TICK;
    await s.sweep(lastBefore);
    expect(ids.map(s.ec2State)).toEqual(["running", "running", "running"]);

    const tick = firstTickAtOrAfter(lease, firstTick);
    const report = await s.sweep(tick);
    expect(tick - lease).toBeLessThan(TICK);
    expect(
      ids.map(s.ec2State).every((state) => state === "shutting-down" || state === "terminated"),
    ).toBe(true);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
    expect(report.instancesTerminated.expired).toBe(3);
    expect(await s.eventTypes(annex.id)).toContain("expired");
  });

  it("lets an annex whose lease was reset before expiry survive the old expiry", async () => {
    const { annex, ids } = await s.create("ResetInTime", {
      count: 1,
      durationHours: 0.1,
      idleHours: 0.1,
    });
    const [id = ""] = ids;
    await s.bootstrapped(annex, id, s.now());
    const { resetLease } = await import("../../../shared/use-cases/annexes/reset-lease.ts");
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    const resetAt = annex.leaseExpiresAt - 30;
    s.moveTo(resetAt);
    await s.heartbeat(annex, id, "busy", resetAt);
    const reset = await resetLease(annexPorts, OWNER, annex.name, { durationHours: 1 }, resetAt);
    expect(s.control.instance(id)?.tags["annex:lease-expires"]).toBe(
      isoFromEpoch(reset.leaseExpiresAt),
    );

    await s.sweep(annex.leaseExpiresAt + 5);
    expect(s.ec2State(id)).toBe("running");
    expect((await s.annex(annex.id)).state).not.toBe("ended");

    await s.sweep(reset.leaseExpiresAt);
    expect(s.ec2State(id)).not.toBe("running");
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
  });

  it("reaps instances launched and tagged but never recorded (crash before the DynamoDB write) after the lease", async () => {
    const start = s.now();
    const annex = annexItem("Crashed", start, start + 360);
    await s.annexes.createAnnex(annex); // the write-ahead record, left `requested`
    const ids = await s.runTagged(annex, 2); // RunInstances succeeded; then the process died
    expect(await s.instances.listInstances(annex.id)).toEqual([]);

    await s.sweep(annex.leaseExpiresAt - 1);
    expect(ids.map(s.ec2State)).toEqual(["running", "running"]);
    const tick = firstTickAtOrAfter(annex.leaseExpiresAt, start);
    await s.sweep(tick);
    expect(ids.map(s.ec2State).every((state) => state !== "running")).toBe(true);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
  });

  it("reaps a running instance tagged for an annex that is not live at the hourly full sweep", async () => {
    const { annex } = await s.create("OffEarly", { count: 1, durationHours: 8 });
    await s.annexes.advanceSweepMark("fullSweepAt", s.now());
    const { stopAnnex } = await import("../../../shared/use-cases/annexes/stop-annex.ts");
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    await stopAnnex(annexPorts, OWNER, annex.name, s.now());
    const [late = ""] = await s.runTagged(annex, 1); // e.g. a launch that landed after `off`
    const minuteLater = await s.sweep(s.now() + TICK);
    expect(minuteLater.fullSweep).toBe(false);
    expect(s.ec2State(late)).toBe("running"); // its lease tag is hours away

    const hourLater = await s.sweep(s.now() + 3600);
    expect(hourLater.fullSweep).toBe(true);
    expect(s.ec2State(late)).not.toBe("running");
    expect(await s.eventTypes(annex.id)).toContain("orphan-reaped");
  });

  it("runs from the scheduled sample event through the enforce-leases handler", async () => {
    // The handler's `now` is the wall clock: give it an annex whose lease ended an hour ago.
    const wallNow = Math.floor(Date.now() / 1000);
    const { createAnnex } = await import("../../../shared/use-cases/annexes/create-annex.ts");
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    s.moveTo(wallNow);
    const request = {
      name: "HandlerLease",
      clientToken: "handler-lease",
      count: 1,
      owners: ["alice"],
      durationHours: 0.1,
      idleHours: 0.1,
    };
    const { annex } = await createAnnex(annexPorts, OWNER, request, wallNow - 3600);
    const event = JSON.parse(readFileSync("events/schedule/enforce-leases.json", "utf8"));
    const report = (await s.stack.invoke("enforce-leases", event)) as {
      complete: boolean;
      annexesEnded: number;
    };
    expect(report.annexesEnded).toBeGreaterThanOrEqual(1);
    await eventually(async () => expect((await s.annex(annex.id)).state).toBe("ended"));
  });
});
