import { describe, expect, it } from "vitest";
import type { Annex } from "../../../shared/domain/annex.ts";
import { endHandedOff } from "../../../shared/enforcement/handed-off.ts";
import type { SweepPorts } from "../../../shared/enforcement/ports.ts";
import { newTick, runSweep } from "../../../shared/enforcement/sweep.ts";
import type { DueBatch } from "../../../shared/ports/due-work.ts";
import { anAnnex, FakeDueWork, FakeEc2, FakeTable, fakePorts, seed } from "./fakes.ts";

const plenty = () => 60_000;
const NOW = 5000;

/** A table with `count` annexes of `each` instances whose leases ended before NOW; a sweep hands off above 5. */
function manyDue(count: number, each = 3) {
  const fakes = fakePorts(new FakeTable(), new FakeEc2(), undefined, new FakeDueWork(5));
  fakes.table.marks = { tagSweepAt: NOW - 60, fullSweepAt: NOW - 60 };
  const annexes = Array.from({ length: count }, (_, i) =>
    anAnnex({ leaseExpiresAt: NOW - 30 + (i % 20) }),
  );
  const ids = annexes.flatMap((annex) => seed(fakes.table, fakes.ec2, annex, each));
  return { ...fakes, annexes, ids };
}

/** The worker's run over every batch sent, one message each (ids m0, m1, …). */
const work = (ports: SweepPorts, batches: DueBatch[], now = NOW) =>
  endHandedOff(
    ports,
    batches.map((batch, i) => ({ messageId: `m${i}`, batch })),
    newTick({ now, timeLeft: plenty, pause: async () => undefined }),
  );

const states = (table: FakeTable, annexes: Annex[]) =>
  annexes.map((annex) => table.annexes.get(annex.id)?.state);

describe("the sweep hands a large tick to the workers", () => {
  it("sends every due annex, ten to a batch, and leaves them and their instances to the workers", async () => {
    const { ports, table, ec2, dueWork, annexes, ids } = manyDue(23);
    const report = await runSweep(ports, { now: NOW, timeLeft: plenty });
    expect(dueWork.sent.map((batch) => batch.annexIds.length)).toEqual([10, 10, 3]);
    expect(new Set(dueWork.sent.flatMap((batch) => batch.annexIds))).toEqual(
      new Set(annexes.map((annex) => annex.id)),
    );
    expect(dueWork.sent.every((batch) => batch.dueAt === NOW)).toBe(true);
    expect(report).toMatchObject({ annexesHandedOff: 23, annexesEnded: 0, complete: true });
    // Their lease tags fell in this tick's window, but the orphan sweep leaves them to the workers.
    expect(ids.every((id) => ec2.state(id) === "running")).toBe(true);
    expect(states(table, annexes).every((state) => state === "running")).toBe(true);
    expect(ec2.calls.TerminateInstances).toBeUndefined();
  });

  it("ends them itself when the queue does not take them", async () => {
    const { ports, table, dueWork, annexes } = manyDue(8);
    dueWork.failNext = true;
    const report = await runSweep(ports, { now: NOW, timeLeft: plenty });
    expect(states(table, annexes).every((state) => state === "ended")).toBe(true);
    expect(report).toMatchObject({ annexesHandedOff: 0, annexesEnded: 8, failures: 1 });
  });

  it("ends a tick that fits one sweep itself, sending nothing", async () => {
    const { ports, table, dueWork, annexes } = manyDue(5);
    await runSweep(ports, { now: NOW, timeLeft: plenty });
    expect(dueWork.sent).toEqual([]);
    expect(states(table, annexes).every((state) => state === "ended")).toBe(true);
  });
});

describe("a worker's share of the tick", () => {
  it("terminates every instance of its batches in one call before it closes any record, then ends each annex", async () => {
    const { ports, table, ec2, dueWork, annexes, ids } = manyDue(40, 20);
    await runSweep(ports, { now: NOW, timeLeft: plenty });
    const terminatedAtFirstClose: number[] = [];
    const save = ports.instances.saveInstance;
    ports.instances.saveInstance = async (record) => {
      if (record.endedAt !== undefined && terminatedAtFirstClose.length === 0)
        terminatedAtFirstClose.push(ids.filter((id) => ec2.state(id) === "shutting-down").length);
      return save(record);
    };
    const describesBefore = ec2.calls.DescribeInstances ?? 0;
    const failed = await work(ports, dueWork.sent.slice(0, 2), NOW + 5);
    const mine = annexes.filter((annex) =>
      dueWork.sent.slice(0, 2).some((batch) => batch.annexIds.includes(annex.id)),
    );
    expect(failed).toEqual([]);
    expect(terminatedAtFirstClose).toEqual([400]);
    expect(ec2.terminateBatches.map((batch) => batch.length)).toEqual([400]);
    expect((ec2.calls.DescribeInstances ?? 0) - describesBefore).toBe(1);
    expect(states(table, mine).every((state) => state === "ended")).toBe(true);
    for (const annex of mine) {
      expect(table.eventTypes(annex.id)).toEqual(["expired"]);
      const records = [...table.records.values()].filter((r) => r.annexId === annex.id);
      expect(records.every((record) => record.endedAt === NOW + 5)).toBe(true);
    }
  });

  it("does no harm when a batch is delivered twice: nothing terminated twice, one end each", async () => {
    const { ports, table, ec2, dueWork, annexes } = manyDue(12);
    await runSweep(ports, { now: NOW, timeLeft: plenty });
    await Promise.all([work(ports, dueWork.sent), work(ports, dueWork.sent)]);
    await work(ports, dueWork.sent, NOW + 60);
    expect(states(table, annexes).every((state) => state === "ended")).toBe(true);
    for (const annex of annexes)
      expect(table.eventTypes(annex.id).filter((type) => type === "expired")).toHaveLength(1);
    const terminated = ec2.terminateBatches.flat();
    expect(new Set(terminated).size).toBe(36);
    expect(terminated.length).toBeLessThanOrEqual(72); // the two concurrent deliveries at most
  });

  it("leaves an annex whose lease was reset after the sweep handed it off", async () => {
    const { ports, table, ec2, dueWork, annexes } = manyDue(6, 1);
    await runSweep(ports, { now: NOW, timeLeft: plenty });
    const [reset = anAnnex()] = annexes;
    const stored = table.annexes.get(reset.id) as Annex;
    table.annexes.set(reset.id, {
      ...stored,
      leaseExpiresAt: NOW + 3600,
      version: stored.version + 1,
    });
    expect(await work(ports, dueWork.sent)).toEqual([]);
    expect(table.annexes.get(reset.id)?.state).toBe("running");
    expect(states(table, annexes.slice(1)).every((state) => state === "ended")).toBe(true);
    const [kept] = [...ec2.instances.values()].filter((i) => i.tags["annex:id"] === reset.id);
    expect(kept?.state).toBe("running");
  });

  it("answers the batch of an annex EC2 refuses to terminate, and ends the others", async () => {
    const { ports, table, ec2, dueWork, annexes } = manyDue(15, 1);
    await runSweep(ports, { now: NOW, timeLeft: plenty });
    const bad = dueWork.sent[1]?.annexIds[0] ?? "";
    const [badInstance] = [...ec2.instances.values()].filter((i) => i.tags["annex:id"] === bad);
    ec2.refuse.add(badInstance?.id ?? "");
    expect(await work(ports, dueWork.sent)).toEqual(["m1"]);
    expect(table.annexes.get(bad)?.state).toBe("stopping");
    expect(table.eventTypes(bad)).toContain("enforcement-failed");
    const others = annexes.filter((annex) => annex.id !== bad);
    expect(states(table, others).every((state) => state === "ended")).toBe(true);
  });
});
