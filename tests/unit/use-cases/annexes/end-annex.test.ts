import { describe, expect, it } from "vitest";
import { endAnnex } from "../../../../shared/use-cases/annexes/end-annex.ts";
import { anAnnex, fakePorts, seed } from "../../enforcement/fakes.ts";

describe("end-annex", () => {
  it("ends an annex once when two callers end it at the same time: one end entry, every instance terminated", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex();
    const ids = seed(table, ec2, annex, 3);
    const [first, second] = await Promise.all([
      endAnnex(ports, annex, "off", 200),
      endAnnex(ports, annex, "expired", 200),
    ]);
    expect(first.annex.state).toBe("ended");
    expect(second.annex.state).toBe("ended");
    expect(table.annexes.get(annex.id)?.state).toBe("ended");
    const ends = table.events.filter((event) => event.type === "off" || event.type === "expired");
    expect(ends).toHaveLength(1);
    for (const id of ids) expect(ec2.instances.get(id)?.state).not.toBe("running");
  });

  it("says which instances it terminated and which had already shut down on their own", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex();
    const [gone] = seed(table, ec2, annex, 3);
    const instance = ec2.instances.get(gone ?? "");
    if (instance) instance.state = "terminated";
    await endAnnex(ports, annex, "expired", 200);
    const end = table.events.find((event) => event.type === "expired");
    expect(end?.message).toBe(
      "terminated 2 instance(s), 1 instance(s) had already shut down; annex ended (expired); final cost $0.02",
    );
    for (const record of table.records.values()) expect(record.endedAt).toBe(200);
    // 3 m5.large ($0.096/h) billed from 0 to 200 s each.
    const ended = table.annexes.get(annex.id);
    expect(ended?.cost?.final).toBe(true);
    expect(ended?.cost?.spentUsd).toBeCloseTo((3 * 0.096 * 200) / 3600, 9);
  });

  it("leaves an annex whose fresh copy is no longer due (a lease reset won the race)", async () => {
    const { ports, table, ec2 } = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: 100 });
    const ids = seed(table, ec2, annex, 1);
    table.annexes.set(annex.id, { ...annex, leaseExpiresAt: 5000, version: 2 });
    const result = await endAnnex(
      ports,
      annex,
      "expired",
      200,
      (fresh) => fresh.leaseExpiresAt <= 200,
    );
    expect(result.annex.state).toBe("running");
    expect(result.terminated).toEqual([]);
    expect(ec2.instances.get(ids[0] ?? "")?.state).toBe("running");
  });
});
