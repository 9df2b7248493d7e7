import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EnforcementStack,
  eventually,
  firstTickAtOrAfter,
  startEnforcementStack,
  TICK,
} from "./helpers.ts";

let s: EnforcementStack;
beforeAll(async () => {
  s = await startEnforcementStack();
});
afterAll(() => s.stack.stop());

const gone = (state: string) => state === "shutting-down" || state === "terminated";

describe("enforcer: idle and stuck instances", () => {
  it("terminates an idle instance within its idle timeout plus one tick, and keeps a busy sibling", async () => {
    const { annex, ids } = await s.create("IdleOne", {
      count: 2,
      durationHours: 4,
      idleHours: 0.25,
    });
    const [idle = "", busy = ""] = ids;
    const joined = s.now() + 40;
    s.moveTo(joined);
    await s.bootstrapped(annex, idle, joined);
    await s.bootstrapped(annex, busy, joined);
    const lastBusy = joined + 600;
    s.moveTo(lastBusy);
    await s.heartbeat(annex, idle, "idle", lastBusy);
    await s.heartbeat(annex, busy, "busy", lastBusy);

    const idleSince = joined; // never busy since it joined
    const firstTick = joined + 7;
    await s.sweep(firstTickAtOrAfter(idleSince + annex.idleTimeoutSeconds, firstTick) - TICK);
    expect([s.ec2State(idle), s.ec2State(busy)]).toEqual(["running", "running"]);

    const tick = firstTickAtOrAfter(idleSince + annex.idleTimeoutSeconds, firstTick);
    expect(tick - (idleSince + annex.idleTimeoutSeconds)).toBeLessThan(TICK);
    const report = await s.sweep(tick);
    expect(gone(s.ec2State(idle))).toBe(true);
    expect(s.ec2State(busy)).toBe("running");
    expect(report.instancesTerminated.idle).toBe(1);
    expect((await s.record(annex.id, idle)).endedAt).toBe(tick);
    expect((await s.annex(annex.id)).state).not.toBe("ended");
    expect(await s.eventTypes(annex.id)).toContain("idle-terminated");

    // The busy one goes idle after its last busy report; the annex ends idle with it.
    const busyTick = firstTickAtOrAfter(lastBusy + annex.idleTimeoutSeconds, firstTick);
    await s.sweep(busyTick);
    expect(gone(s.ec2State(busy))).toBe(true);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "idle" });
  });

  it("terminates an instance that never bootstrapped once the boot grace is over; the annex fails", async () => {
    const { annex, ids } = await s.create("StuckBoot", { count: 1, durationHours: 4 });
    const [id = ""] = ids;
    const record = await s.record(annex.id, id);
    const deadline = record.launchedAt + annex.bootGraceSeconds;
    expect(record.bootDeadline).toBe(deadline);

    await s.sweep(deadline - 1);
    expect(s.ec2State(id)).toBe("running");
    await s.sweep(deadline);
    expect(gone(s.ec2State(id))).toBe(true);
    expect(await s.eventTypes(annex.id)).toContain("boot-timeout");
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "failed" });
  });

  it("closes the record of an instance it finds already gone in EC2 instead of terminating it again", async () => {
    const { annex, ids } = await s.create("PoweredOff", {
      count: 1,
      durationHours: 4,
      idleHours: 0.25,
    });
    const [id = ""] = ids;
    const joined = s.now();
    await s.bootstrapped(annex, id, joined);
    const deadline = joined + annex.idleTimeoutSeconds;
    // The instance's own STARTD_NOCLAIM_SHUTDOWN powers it off at its idle deadline.
    s.moveTo(deadline);
    s.control.powerOff(id);
    await eventually(async () => expect(gone((await s.record(annex.id, id)).ec2State)).toBe(true));
    expect((await s.record(annex.id, id)).endedAt).toBeUndefined(); // due: the enforcer closes it

    const report = await s.sweep(deadline + 10);
    expect(report.instancesGone).toBe(1);
    expect(report.instancesTerminated.idle).toBe(0);
    expect((await s.record(annex.id, id)).endedAt).toBe(deadline + 10);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "idle" });
  });
});
