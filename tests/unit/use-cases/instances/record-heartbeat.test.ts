import { describe, expect, it } from "vitest";
import type { FleetAsk } from "../../../../shared/domain/fleet.ts";
import { mintHeartbeatToken } from "../../../../shared/domain/heartbeat-token.ts";
import { HeartbeatKeyCache } from "../../../../shared/use-cases/instances/heartbeat-key.ts";
import { recordHeartbeat } from "../../../../shared/use-cases/instances/record-heartbeat.ts";
import { anAnnex, FakeEc2, FakeTable, seed } from "../../enforcement/fakes.ts";

const KEY = "k".repeat(32);
const NOW = 5_000;

function heartbeatOf(annexOverrides = {}, record = {}) {
  const table = new FakeTable();
  const annex = anAnnex({
    id: "01JANNEXFAKE0000000000000A",
    leaseExpiresAt: NOW + 3600,
    ...annexOverrides,
  });
  const [instanceId = ""] = seed(table, new FakeEc2(), annex, 1, {
    bootstrappedAt: NOW - 60,
    market: "spot",
    ...record,
  });
  const ports = {
    annexes: table.annexPort,
    instances: table.instancePort,
    heartbeatKey: new HeartbeatKeyCache({ getHeartbeatKey: async () => KEY }),
    log: { about: () => undefined, info: () => undefined, warn: () => undefined },
  };
  const beat = (body: Record<string, unknown>, at = NOW) =>
    recordHeartbeat(
      ports as never,
      `Bearer ${mintHeartbeatToken(KEY, annex.id, instanceId)}`,
      { annexId: annex.id, instanceId, state: "busy", ...body },
      at,
    );
  return { table, annex, instanceId, beat };
}

describe("recordHeartbeat: spot warnings from the instance's metadata", () => {
  it("answers drain and records the instance interrupted, once", async () => {
    const { table, annex, instanceId, beat } = heartbeatOf();
    expect((await beat({})).instruction).toBe("continue");
    expect((await beat({ interruption: "spot-interruption" }, NOW + 10)).instruction).toBe("drain");
    expect((await beat({ interruption: "spot-interruption" }, NOW + 20)).instruction).toBe("drain");
    expect(table.record(annex.id, instanceId)).toMatchObject({
      interruptionNoticeAt: NOW + 10,
      interruptionKind: "spot-interruption",
    });
    expect(table.eventTypes(annex.id)).toEqual(["interruption-notice"]);
    expect(table.events[0]?.message).toContain("from its metadata");
  });

  it("makes a replacement due when the fleet annex asked for one", async () => {
    const fleet = { replaceInterrupted: true } as FleetAsk;
    const { table, annex, instanceId, beat } = heartbeatOf({ kind: "fleet", fleet });
    await beat({ interruption: "rebalance-recommendation" });
    expect(table.record(annex.id, instanceId)?.replacement).toEqual({ dueAt: NOW });
    expect(table.events[0]?.message).toContain("a replacement is due");
  });

  it("refuses an interruption that is not one of EC2's warnings", async () => {
    const { beat } = heartbeatOf();
    await expect(beat({ interruption: "meteor" })).rejects.toThrow(/^interruption: must be one of/);
  });
});
