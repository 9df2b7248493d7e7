import { describe, expect, it } from "vitest";
import type { Annex } from "../../../shared/domain/annex.ts";
import { isoFromEpoch } from "../../../shared/domain/tags.ts";
import { runLockedSweep, runSweep } from "../../../shared/enforcement/sweep.ts";
import { anAnnex, FakeEc2, FakeTable, fakePorts, seed } from "./fakes.ts";

const plenty = () => 60_000;
/** Marks as a recent sweep leaves them, so a test's sweep runs the window, not the full, orphan sweep. */
const recentMarks = (now: number) => ({ tagSweepAt: now - 60, fullSweepAt: now - 60 });

function setup(now: number) {
  const fakes = fakePorts(new FakeTable(), new FakeEc2());
  fakes.table.marks = recentMarks(now);
  return fakes;
}

describe("runSweep: leases", () => {
  it("ends an annex whose lease is over and terminates its tagged instances", async () => {
    const { ports, table, ec2 } = setup(5000);
    const annex = anAnnex({ leaseExpiresAt: 5000 });
    const ids = seed(table, ec2, annex, 2);
    const report = await runSweep(ports, { now: 5000, timeLeft: plenty });
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
    expect(ids.map((id) => ec2.state(id))).toEqual(["shutting-down", "shutting-down"]);
    expect(ids.map((id) => table.record(annex.id, id)?.endedAt)).toEqual([5000, 5000]);
    expect(table.eventTypes(annex.id)).toContain("expired");
    expect(report).toMatchObject({ complete: true, annexesEnded: 1, failures: 0 });
    expect(report.instancesTerminated.expired).toBe(2);
  });

  it("leaves an annex whose lease is not over yet", async () => {
    const { ports, table, ec2 } = setup(4999);
    const annex = anAnnex({ leaseExpiresAt: 5000 });
    const [id = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: 4500 });
    await runSweep(ports, { now: 4999, timeLeft: plenty });
    expect(table.annexes.get(annex.id)?.state).toBe("running");
    expect(ec2.state(id)).toBe("running");
  });

  it("lets a lease reset that raced the index win: the fresh copy is checked before anything stops", async () => {
    const { ports, table, ec2 } = setup(5000);
    const annex = anAnnex({ leaseExpiresAt: 5000 });
    const [id = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: 4900 });
    const stale = structuredClone(annex);
    table.annexes.set(annex.id, { ...annex, leaseExpiresAt: 8600, version: annex.version + 1 });
    const dueAnnexes = ports.annexes.dueAnnexes;
    ports.annexes.dueAnnexes = async (now, limit, startKey) => {
      const page = await dueAnnexes(now, limit, startKey);
      return { ...page, annexes: [stale], itemsRead: 1 }; // the index still shows the old lease
    };
    await runSweep(ports, { now: 5000, timeLeft: plenty });
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "running", leaseExpiresAt: 8600 });
    expect(ec2.state(id)).toBe("running");
  });

  it("reads one DescribeInstances for a page of due annexes and terminates all their instances in one call", async () => {
    const { ports, table, ec2 } = setup(5000);
    for (let i = 0; i < 40; i++) seed(table, ec2, anAnnex({ leaseExpiresAt: 4000 + i }), 3);
    const report = await runSweep(ports, { now: 5000, timeLeft: plenty });
    expect(report.annexesEnded).toBe(40);
    expect([...ec2.instances.values()].every((i) => i.state === "shutting-down")).toBe(true);
    // one for the page of due annexes, one for the lease-tag window
    expect(ec2.calls.DescribeInstances).toBe(2);
    expect(ec2.calls.TerminateInstances).toBe(1);
    expect(ec2.terminateBatches.flat()).toHaveLength(120);
  });

  it("completes an annex an interrupted off left stopping", async () => {
    const { ports, table, ec2 } = setup(5000);
    const annex = anAnnex({ leaseExpiresAt: 4000, state: "stopping", endReason: "off" });
    const [id = ""] = seed(table, ec2, annex, 1);
    await runSweep(ports, { now: 5000, timeLeft: plenty });
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "off" });
    expect(ec2.state(id)).toBe("shutting-down");
  });
});

describe("runSweep: instance deadlines", () => {
  it("terminates an instance idle past its deadline and ends an annex with no instance left as idle", async () => {
    const { ports, table, ec2 } = setup(1000);
    const annex = anAnnex({ leaseExpiresAt: 9000 });
    const [id = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: 100, idleDeadline: 1000 });
    const report = await runSweep(ports, { now: 1000, timeLeft: plenty });
    expect(ec2.state(id)).toBe("shutting-down");
    expect(table.record(annex.id, id)).toMatchObject({ endedAt: 1000, ec2State: "shutting-down" });
    expect(table.eventTypes(annex.id)).toEqual(["idle-terminated", "idle"]);
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "idle" });
    expect(report.instancesTerminated.idle).toBe(1);
    expect(report.annexesEnded).toBe(1);
  });

  it("keeps a busy sibling and its annex", async () => {
    const { ports, table, ec2 } = setup(1000);
    const annex = anAnnex({ leaseExpiresAt: 9000 });
    const [idle = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: 100, idleDeadline: 1000 });
    const [busy = ""] = seed(table, ec2, annex, 1, {
      bootstrappedAt: 100,
      idleDeadline: 1800,
      activity: "busy",
    });
    await runSweep(ports, { now: 1000, timeLeft: plenty });
    expect([ec2.state(idle), ec2.state(busy)]).toEqual(["shutting-down", "running"]);
    expect(table.annexes.get(annex.id)?.state).toBe("running");
  });

  it("terminates an instance that never bootstrapped within the boot grace; the annex fails", async () => {
    const { ports, table, ec2 } = setup(900);
    const annex = anAnnex({ leaseExpiresAt: 9000, state: "provisioning" });
    const [id = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: null, bootDeadline: 900 });
    const report = await runSweep(ports, { now: 900, timeLeft: plenty });
    expect(ec2.state(id)).toBe("shutting-down");
    expect(table.eventTypes(annex.id)).toContain("boot-timeout");
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "failed" });
    expect(report.instancesTerminated.boot).toBe(1);
  });

  it("closes, without terminating again, an instance EC2 already has gone", async () => {
    const { ports, table, ec2 } = setup(1000);
    const annex = anAnnex({ leaseExpiresAt: 9000 });
    const [id = ""] = seed(table, ec2, annex, 1, {
      bootstrappedAt: 100,
      idleDeadline: 1000,
      activity: "idle",
    });
    const instance = ec2.instances.get(id);
    if (instance) instance.state = "terminated";
    const report = await runSweep(ports, { now: 1000, timeLeft: plenty });
    expect(ec2.calls.TerminateInstances).toBeUndefined();
    expect(table.record(annex.id, id)).toMatchObject({ endedAt: 1000, ec2State: "terminated" });
    expect(table.eventTypes(annex.id)).toContain("instance-gone");
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "idle" });
    expect(report.instancesGone).toBe(1);
  });

  it("leaves everything due when TerminateInstances fails, and finishes at the next tick", async () => {
    const { ports, table, ec2, warnings } = setup(1000);
    const annex = anAnnex({ leaseExpiresAt: 9000 });
    const [id = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: 100, idleDeadline: 1000 });
    ec2.fail(
      "TerminateInstances",
      Object.assign(new Error("Request limit exceeded."), { name: "RequestLimitExceeded" }),
    );
    const first = await runSweep(ports, { now: 1000, timeLeft: plenty });
    expect(first).toMatchObject({ complete: false, failures: 1 });
    expect(warnings[0]?.fields.error).toEqual({
      name: "RequestLimitExceeded",
      message: "Request limit exceeded.",
    });
    expect(ec2.state(id)).toBe("running");
    expect(table.record(annex.id, id)?.endedAt).toBeUndefined();

    const second = await runSweep(ports, { now: 1060, timeLeft: plenty });
    expect(second).toMatchObject({ complete: true, failures: 0 });
    expect(ec2.state(id)).toBe("shutting-down");
    expect(table.annexes.get(annex.id)?.state).toBe("ended");
  });
});

describe("runSweep: an instance EC2 refuses to terminate", () => {
  it("does not hold back the other due instances of its batch", async () => {
    const { ports, table, ec2 } = setup(1000);
    const annexes = Array.from({ length: 6 }, () => anAnnex({ leaseExpiresAt: 9000 }));
    const ids = annexes.flatMap((annex) =>
      seed(table, ec2, annex, 1, { bootstrappedAt: 100, idleDeadline: 1000 }),
    );
    const [bad = ""] = ids.splice(3, 1);
    ec2.refuse.add(bad);
    const report = await runSweep(ports, { now: 1000, timeLeft: plenty });
    expect(ids.map((id) => ec2.state(id))).toEqual(Array(5).fill("shutting-down"));
    expect(ec2.state(bad)).toBe("running");
    expect(report).toMatchObject({ failures: 1, complete: false });
    expect(report.instancesTerminated.idle).toBe(5);
    expect(ec2.calls.TerminateInstances).toBeLessThanOrEqual(8); // halving, not one call per id
  });

  it("does not hold back the other expired annexes sharing its batch", async () => {
    const { ports, table, ec2 } = setup(5000);
    const annexes = Array.from({ length: 4 }, (_, i) => anAnnex({ leaseExpiresAt: 4000 + i }));
    const ids = annexes.map((annex) => seed(table, ec2, annex, 1)[0] ?? "");
    ec2.refuse.add(ids[0] ?? "");
    await runSweep(ports, { now: 5000, timeLeft: plenty });
    expect(annexes.map((annex) => table.annexes.get(annex.id)?.state)).toEqual([
      "stopping",
      "ended",
      "ended",
      "ended",
    ]);
    expect(ids.slice(1).map((id) => ec2.state(id))).toEqual(Array(3).fill("shutting-down"));
  });
});

describe("runSweep: orphans", () => {
  it("reaps, by the lease tag, an instance launched but never recorded once its lease is over", async () => {
    const now = 5000;
    const { ports, table, ec2 } = setup(now);
    const annex = anAnnex({ leaseExpiresAt: 4990, state: "requested" });
    table.annexes.set(annex.id, annex);
    const [id = ""] = ec2.run(annex, 1);
    await runSweep(ports, { now, timeLeft: plenty });
    expect(ec2.state(id)).toBe("shutting-down");
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
  });

  it("terminates an instance whose tagged lease fell in the window and whose annex has ended", async () => {
    const now = 5000;
    const { ports, table, ec2 } = setup(now);
    const annex = anAnnex({ leaseExpiresAt: now - 30, state: "ended", endReason: "off" });
    table.annexes.set(annex.id, annex);
    const [id = ""] = ec2.run(annex, 1);
    const report = await runSweep(ports, { now, timeLeft: plenty });
    expect(ec2.state(id)).toBe("shutting-down");
    expect(report.instancesTerminated.orphan).toBe(1);
    expect(report.fullSweep).toBe(false);
    expect(table.eventTypes(annex.id)).toEqual(["orphan-reaped"]);
    expect(table.marks.tagSweepAt).toBe(now);
  });

  it("rewrites a lease tag that lagged a reset instead of obeying it", async () => {
    const now = 5000;
    const { ports, table, ec2 } = setup(now);
    const annex = anAnnex({ leaseExpiresAt: now - 30 });
    const [id = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: now - 100 });
    table.annexes.set(annex.id, { ...annex, leaseExpiresAt: now + 3600, version: 2 });
    const report = await runSweep(ports, { now, timeLeft: plenty });
    expect(ec2.state(id)).toBe("running");
    expect(ec2.instances.get(id)?.tags["annex:lease-expires"]).toBe(isoFromEpoch(now + 3600));
    expect(report.tagsRepaired).toBe(1);
  });

  it("acts on a fresh copy, not on a live-index copy that lags a lease reset", async () => {
    const now = 5000;
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: now - 100 });
    const [id = ""] = seed(table, ec2, annex, 1, { bootstrappedAt: now - 10 });
    table.annexes.set(annex.id, { ...annex, leaseExpiresAt: now + 3600, version: 2 });
    ports.annexes.liveAnnexes = async () => ({ items: [annex], itemsRead: 1, next: undefined });
    ports.annexes.dueAnnexes = async () => ({ items: [], itemsRead: 0, next: undefined });
    const report = await runSweep(ports, { now, timeLeft: plenty });
    expect(report.fullSweep).toBe(true);
    expect(ec2.state(id)).toBe("running");
    expect(report.tagsRepaired).toBe(1);
  });

  it("checks every tagged instance on the first sweep and then at most hourly", async () => {
    const now = 5000;
    const { ports, table, ec2 } = fakePorts();
    const unknown: Annex = anAnnex({ leaseExpiresAt: now + 3600 }); // never stored: not live
    const [orphan = ""] = ec2.run(unknown, 1);
    const live = anAnnex({ leaseExpiresAt: now + 3600 });
    const [kept = ""] = seed(table, ec2, live, 1, { bootstrappedAt: now - 10 });
    const first = await runSweep(ports, { now, timeLeft: plenty });
    expect(first.fullSweep).toBe(true);
    expect([ec2.state(orphan), ec2.state(kept)]).toEqual(["shutting-down", "running"]);
    expect(table.marks).toEqual({ tagSweepAt: now, fullSweepAt: now, spotPriceAt: now });

    const second = await runSweep(ports, { now: now + 60, timeLeft: plenty });
    expect(second.fullSweep).toBe(false);
    const hourLater = await runSweep(ports, { now: now + 3600, timeLeft: plenty });
    expect(hourLater.fullSweep).toBe(true);
  });
});

describe("runSweep: stages", () => {
  /** An instance of `annex` as launched before launches carried their stage. */
  const unstaged = (ec2: FakeEc2, annex: Annex) => {
    const [id = ""] = ec2.run(annex, 1);
    delete ec2.instances.get(id)?.tags["annex:stage"];
    return id;
  };

  it("never judges another stage's instances, in the window sweep or the full one", async () => {
    const now = 5000;
    const { ports, table, ec2 } = setup(now);
    const theirs = anAnnex({ leaseExpiresAt: now - 30 }); // not in this stage's table
    const [other = ""] = ec2.run(theirs, 1, 0, "prod");
    const window = await runSweep(ports, { now, timeLeft: plenty });
    expect(window.fullSweep).toBe(false);
    const full = await runSweep(ports, { now: now + 3600, timeLeft: plenty });
    expect(full.fullSweep).toBe(true);
    expect(ec2.state(other)).toBe("running");
    expect(ec2.terminateBatches).toEqual([]);
    expect(table.annexes.size).toBe(0);
  });

  it("reaps an unstaged instance only when its annex is in this stage's table", async () => {
    const now = 5000;
    const { ports, table, ec2 } = fakePorts(); // the first sweep is the full one
    const ended = anAnnex({ leaseExpiresAt: now + 3600, state: "ended", endReason: "off" });
    table.annexes.set(ended.id, ended);
    const ours = unstaged(ec2, ended);
    const stranger = unstaged(ec2, anAnnex({ leaseExpiresAt: now - 30 }));
    const report = await runSweep(ports, { now, timeLeft: plenty });
    expect(report.fullSweep).toBe(true);
    expect([ec2.state(ours), ec2.state(stranger)]).toEqual(["shutting-down", "running"]);
    expect(report.instancesTerminated.orphan).toBe(1);
  });

  it("ends an unstaged instance of a live annex with its lease, as its own", async () => {
    const now = 5000;
    const { ports, table, ec2 } = setup(now);
    const annex = anAnnex({ leaseExpiresAt: now - 10 });
    table.annexes.set(annex.id, annex);
    const id = unstaged(ec2, annex);
    await runSweep(ports, { now, timeLeft: plenty });
    expect(ec2.state(id)).toBe("shutting-down");
    expect(table.annexes.get(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
  });
});

describe("runSweep: budget and concurrency", () => {
  it("starts nothing when the budget is spent, leaving all of it for the next tick", async () => {
    const { ports, table, ec2 } = setup(5000);
    const annex = anAnnex({ leaseExpiresAt: 4000 });
    const [id = ""] = seed(table, ec2, annex, 1);
    const report = await runSweep(ports, { now: 5000, timeLeft: () => 0 });
    expect(report.complete).toBe(false);
    expect(ec2.state(id)).toBe("running");
    expect(table.annexes.get(annex.id)?.state).toBe("running");
    expect(table.itemsRead).toBe(0);
  });

  it("stops between annexes when the budget runs out mid-page and finishes at the next tick", async () => {
    const { ports, table, ec2 } = setup(5000);
    const annexes = Array.from({ length: 12 }, (_, i) => anAnnex({ leaseExpiresAt: 4000 + i }));
    const ids = annexes.flatMap((annex) => seed(table, ec2, annex, 1));
    let checks = 0;
    const report = await runSweep(ports, { now: 5000, timeLeft: () => (++checks <= 4 ? 1000 : 0) });
    // Termination first: the annexes it reached are stopping with their instances terminated.
    const stopped = ids.filter((id) => ec2.state(id) === "shutting-down").length;
    const stopping = annexes.filter((a) => table.annexes.get(a.id)?.state === "stopping").length;
    expect(report.complete).toBe(false);
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(12);
    expect(stopping).toBe(stopped);

    await runSweep(ports, { now: 5060, timeLeft: plenty });
    expect(annexes.every((annex) => table.annexes.get(annex.id)?.state === "ended")).toBe(true);
  });

  it("does no harm when two sweeps run at once: each annex ends once, each instance is closed and audited once", async () => {
    const { ports, table, ec2 } = setup(5000);
    const expired = anAnnex({ leaseExpiresAt: 4000 });
    const expiredIds = seed(table, ec2, expired, 2);
    const idle = anAnnex({ leaseExpiresAt: 9000 });
    const idleIds = seed(table, ec2, idle, 2, { bootstrappedAt: 100, idleDeadline: 1000 });
    const reports = await Promise.all([
      runSweep(ports, { now: 5000, timeLeft: plenty }),
      runSweep(ports, { now: 5000, timeLeft: plenty }),
    ]);
    expect(reports.map((report) => report.failures)).toEqual([0, 0]);
    expect(table.annexes.get(expired.id)).toMatchObject({ state: "ended", endReason: "expired" });
    expect(table.annexes.get(idle.id)).toMatchObject({ state: "ended", endReason: "idle" });
    expect([...expiredIds, ...idleIds].every((id) => ec2.state(id) === "shutting-down")).toBe(true);
    expect(table.eventTypes(idle.id).filter((type) => type === "idle-terminated")).toHaveLength(1);
    expect(table.eventTypes(idle.id).filter((type) => type === "idle")).toHaveLength(1);
  });
});

describe("runLockedSweep", () => {
  it("lets one of two overlapping runs sweep; the other does nothing and says so", async () => {
    const { ports, table, ec2 } = setup(5000);
    const annex = anAnnex({ leaseExpiresAt: 5000 });
    seed(table, ec2, annex, 2);
    const [first, second] = await Promise.all([
      runLockedSweep(ports, { now: 5000, timeLeft: plenty, holder: "a", until: 5060 }),
      runLockedSweep(ports, { now: 5000, timeLeft: plenty, holder: "b", until: 5060 }),
    ]);
    expect([first?.skipped, second?.skipped]).toEqual([undefined, true]);
    expect(first?.instancesTerminated.expired).toBe(2);
    expect(second?.instancesTerminated.expired).toBe(0);
    expect(table.lock).toBeUndefined();
  });

  it("takes over a lock whose holder died, once it has expired", async () => {
    const { ports, table } = setup(5000);
    table.lock = { holder: "crashed", until: 5060 };
    const early = await runLockedSweep(ports, {
      now: 5030,
      timeLeft: plenty,
      holder: "b",
      until: 5090,
    });
    expect(early.skipped).toBe(true);
    const late = await runLockedSweep(ports, {
      now: 5061,
      timeLeft: plenty,
      holder: "c",
      until: 5121,
    });
    expect(late.skipped).toBeUndefined();
    expect(table.lock).toBeUndefined();
  });
});
