import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EnforcementStack, OWNER, startEnforcementStack, TICK } from "./helpers.ts";

let s: EnforcementStack;
beforeAll(async () => {
  s = await startEnforcementStack();
});
afterAll(() => s.stack.stop());
afterEach(() => s.control.resetFaults());

const running = (state: string) => state === "pending" || state === "running";

describe("enforcer under EC2 faults", () => {
  it("leaves an expired annex due while TerminateInstances fails with EC2 500s, and ends it at the next tick", async () => {
    const { annex, ids } = await s.create("Failing", {
      count: 2,
      durationHours: 0.1,
      idleHours: 0.1,
    });
    for (const id of ids) await s.bootstrapped(annex, id, s.now());
    s.control.setErrorRate(1, { actions: ["TerminateInstances"] });
    const first = await s.sweep(annex.leaseExpiresAt);
    expect(first.complete).toBe(false);
    expect(first.failures).toBeGreaterThan(0);
    expect(ids.map(s.ec2State).every(running)).toBe(true);
    expect((await s.annex(annex.id)).state).toBe("stopping"); // still in the live-by-deadline index

    s.control.resetFaults();
    const second = await s.sweep(annex.leaseExpiresAt + TICK);
    expect(second.failures).toBe(0);
    expect(ids.map(s.ec2State).some(running)).toBe(false);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
  });

  it("retries an idle termination that EC2 throttled at the next tick", {
    timeout: 60_000,
  }, async () => {
    const { annex, ids } = await s.create("Throttled", {
      count: 1,
      durationHours: 4,
      idleHours: 0.25,
    });
    const [id = ""] = ids;
    const joined = s.now();
    await s.bootstrapped(annex, id, joined);
    const deadline = joined + annex.idleTimeoutSeconds;
    // An empty token bucket that does not refill: every TerminateInstances is RequestLimitExceeded.
    s.control.setThrottling({ TerminateInstances: { burst: 0, refillPerSecond: 0 } });
    const first = await s.sweep(deadline);
    expect(first.failures).toBe(1);
    expect(s.ec2State(id)).toBe("running");
    expect((await s.record(annex.id, id)).endedAt).toBeUndefined(); // still in the deadline index

    s.control.resetFaults();
    const second = await s.sweep(deadline + TICK);
    expect(second.instancesTerminated.idle).toBe(1);
    expect(running(s.ec2State(id))).toBe(false);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "idle" });
  });

  it("keeps the lease-tag window open while DescribeInstances fails, so an orphan in it is still found", async () => {
    const { annex } = await s.create("WindowKept", {
      count: 1,
      durationHours: 0.1,
      idleHours: 0.1,
    });
    await s.sweep(); // the marks as a working enforcer leaves them
    const { stopAnnex } = await import("../../../shared/use-cases/annexes/stop-annex.ts");
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    await stopAnnex(annexPorts, OWNER, annex.name, s.now());
    const [late = ""] = await s.runTagged(annex, 1); // tagged with the annex's lease, which ends soon
    const before = await s.annexes.sweepMarks();

    s.control.setErrorRate(1, { actions: ["DescribeInstances"] });
    const failed = await s.sweep(annex.leaseExpiresAt + 5);
    expect(failed.complete).toBe(false);
    expect(running(s.ec2State(late))).toBe(true);
    expect((await s.annexes.sweepMarks()).tagSweepAt).toBe(before.tagSweepAt);

    s.control.resetFaults();
    const next = await s.sweep(annex.leaseExpiresAt + 5 + TICK);
    expect(next.instancesTerminated.orphan).toBe(1);
    expect(running(s.ec2State(late))).toBe(false);
  });
});

describe("enforcer run twice at once", () => {
  it("ends each annex once, terminates and audits each instance once, and launches nothing", async () => {
    const expired = await Promise.all(
      ["Twin1", "Twin2", "Twin3"].map((name) =>
        s.create(name, { count: 2, durationHours: 0.1, idleHours: 0.1 }),
      ),
    );
    const idle = await s.create("TwinIdle", { count: 2, durationHours: 4, idleHours: 0.1 });
    const joined = s.now();
    for (const { annex, ids } of [...expired, idle]) {
      for (const id of ids) await s.bootstrapped(annex, id, joined);
    }
    const launched = s.control.instances().length;
    const now = Math.max(
      ...expired.map(({ annex }) => annex.leaseExpiresAt),
      joined + idle.annex.idleTimeoutSeconds,
    );

    const reports = await Promise.all([s.sweep(now), s.sweep(now)]);
    expect(reports.map((report) => report.failures)).toEqual([0, 0]);
    expect(s.control.instances()).toHaveLength(launched);
    for (const { annex, ids } of expired) {
      expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
      expect(ids.map(s.ec2State).some(running)).toBe(false);
    }
    expect(await s.annex(idle.annex.id)).toMatchObject({ state: "ended", endReason: "idle" });
    const idleEvents = await s.instances.listEvents(idle.annex.id);
    const audited = idleEvents
      .filter((event) => event.type === "idle-terminated")
      .flatMap((event) => event.instanceIds ?? []);
    expect(audited.sort()).toEqual([...idle.ids].sort());
  });
});
