import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { FleetAsk } from "../../../shared/domain/fleet.ts";
import { heartbeatInstruction } from "../../../shared/domain/lease.ts";
import {
  type Ec2Event,
  ec2EventSchema,
  eventTime,
  handleEc2Event,
} from "../../../shared/enforcement/ec2-event.ts";
import { EndingAnnexes } from "../../../shared/enforcement/ending-annexes.ts";
import { runSweep } from "../../../shared/enforcement/sweep.ts";
import { anAnnex, fakePorts, seed } from "./fakes.ts";

/** A sample event from events/ec2/, about `instanceId`. */
function sample(name: string, instanceId: string): Ec2Event {
  const raw = JSON.parse(
    readFileSync(new URL(`../../../events/ec2/${name}.json`, import.meta.url), "utf8"),
  );
  raw.detail["instance-id"] = instanceId;
  return ec2EventSchema.parse(raw);
}

const NOW = eventTime(sample("state-change-running", "i-00000000000000001")) ?? 0;

function oneInstanceAnnex(overrides = {}) {
  const fakes = fakePorts();
  const annex = anAnnex({ leaseExpiresAt: NOW + 3600, ...overrides });
  const [id = ""] = seed(fakes.table, fakes.ec2, annex, 1, {
    bootstrappedAt: NOW - 60,
    activity: "busy",
  });
  return { ...fakes, annex, id };
}

describe("handleEc2Event", () => {
  it("parses every sample event in events/ec2", () => {
    for (const name of [
      "state-change-pending",
      "state-change-running",
      "state-change-shutting-down",
      "state-change-terminated",
      "spot-interruption-warning",
      "rebalance-recommendation",
    ]) {
      expect(sample(name, "i-0abcdef1234567890").detail["instance-id"]).toBe("i-0abcdef1234567890");
    }
    expect(eventTime({ time: "2026-11-25T21:31:07Z" })).toBe(
      Date.parse("2026-11-25T21:31:07Z") / 1000,
    );
  });

  it("ignores an instance the service never recorded", async () => {
    const { ports, table } = fakePorts();
    const outcome = await handleEc2Event(
      ports,
      sample("state-change-terminated", "i-0abcdef1234567890"),
      NOW,
    );
    expect(outcome).toEqual({ instanceId: "i-0abcdef1234567890", outcome: "ignored" });
    expect(table.events).toEqual([]);
  });

  it("updates the recorded EC2 state", async () => {
    const { ports, table, annex, id } = oneInstanceAnnex();
    const record = table.record(annex.id, id);
    if (record) record.ec2State = "pending";
    expect((await handleEc2Event(ports, sample("state-change-running", id), NOW)).outcome).toBe(
      "updated",
    );
    expect(table.record(annex.id, id)?.ec2State).toBe("running");
  });

  it("closes an instance terminated behind the service's back, audits it and ends its annex", async () => {
    const { ports, table, annex, id } = oneInstanceAnnex();
    const outcome = await handleEc2Event(ports, sample("state-change-shutting-down", id), NOW);
    expect(outcome).toMatchObject({ outcome: "updated", annexId: annex.id, annexEnded: "failed" });
    expect(table.record(annex.id, id)).toMatchObject({ ec2State: "shutting-down", endedAt: NOW });
    expect(table.eventTypes(annex.id)).toEqual(["instance-gone", "no-instances", "failed"]);
    expect(table.annexes.get(annex.id)?.state).toBe("ended");
  });

  it("changes nothing when the same event comes twice, or a late running follows terminated", async () => {
    const { ports, table, annex, id } = oneInstanceAnnex();
    await handleEc2Event(ports, sample("state-change-terminated", id), NOW);
    const before = structuredClone(table.record(annex.id, id));
    const eventsBefore = table.events.length;
    expect(
      (await handleEc2Event(ports, sample("state-change-terminated", id), NOW + 5)).outcome,
    ).toBe("unchanged");
    expect((await handleEc2Event(ports, sample("state-change-running", id), NOW + 6)).outcome).toBe(
      "unchanged",
    );
    expect(table.record(annex.id, id)).toEqual(before);
    expect(table.events).toHaveLength(eventsBefore);
  });

  it("reads only the instance's lookup and record when the service already closed it, and records EC2's end state (a late shutting-down never undoes terminated)", async () => {
    const { ports, table, annex, id } = oneInstanceAnnex();
    const record = table.record(annex.id, id);
    if (record) Object.assign(record, { ec2State: "shutting-down", endedAt: NOW - 5 });
    const reads: string[] = [];
    const counted = <T extends object>(port: T, name: string): T =>
      new Proxy(port, {
        get: (target, key) => {
          const value = Reflect.get(target, key);
          if (typeof value !== "function" || !/^(get|annexIdOf|list)/.test(String(key)))
            return value;
          return (...args: unknown[]) => {
            reads.push(`${name}.${String(key)}`);
            return value.apply(target, args);
          };
        },
      });
    const countedPorts = {
      ...ports,
      annexes: counted(ports.annexes, "annexes"),
      instances: counted(ports.instances, "instances"),
    };
    const shuttingDown = await handleEc2Event(
      countedPorts,
      sample("state-change-shutting-down", id),
      NOW,
    );
    const terminated = await handleEc2Event(
      countedPorts,
      sample("state-change-terminated", id),
      NOW + 1,
    );
    const late = await handleEc2Event(
      countedPorts,
      sample("state-change-shutting-down", id),
      NOW + 2,
    );
    expect([shuttingDown.outcome, terminated.outcome, late.outcome]).toEqual([
      "unchanged",
      "updated",
      "unchanged",
    ]);
    expect(reads).toEqual(Array(3).fill(["instances.annexIdOf", "instances.getInstance"]).flat());
    expect(table.record(annex.id, id)).toMatchObject({ ec2State: "terminated", endedAt: NOW - 5 });
    expect(table.events).toEqual([]);
  });

  it("reads a stopping annex once for all its instances' events, and leaves their records to endAnnex", async () => {
    const fakes = fakePorts();
    const annex = anAnnex({ leaseExpiresAt: NOW - 10, state: "stopping" });
    const ids = seed(fakes.table, fakes.ec2, annex, 3, { bootstrappedAt: NOW - 600 });
    let annexReads = 0;
    const getAnnex = fakes.ports.annexes.getAnnex;
    const ports = {
      ...fakes.ports,
      annexes: {
        ...fakes.ports.annexes,
        getAnnex: (id: string) => {
          annexReads += 1;
          return getAnnex(id);
        },
      },
    };
    const ending = new EndingAnnexes();
    for (const id of ids) {
      for (const name of ["state-change-shutting-down", "state-change-terminated"]) {
        const outcome = await handleEc2Event(ports, sample(name, id), NOW, ending);
        expect(outcome.outcome).toBe("unchanged");
      }
    }
    expect(annexReads).toBe(1);
    for (const id of ids) expect(fakes.table.record(annex.id, id)?.endedAt).toBeUndefined();
  });

  it("forgets the oldest annexes it saw ending beyond its bound, and never a live one", () => {
    const ending = new EndingAnnexes(2);
    const [a, b, c] = ["A", "B", "C"].map((id) => anAnnex({ id, state: "ended" }));
    ending.note(anAnnex({ id: "L", state: "running" }));
    for (const annex of [a, b, c]) ending.note(annex);
    expect(["L", "A", "B", "C"].map((id) => ending.stateOf(id))).toEqual([
      undefined,
      undefined,
      "ended",
      "ended",
    ]);
  });

  it("leaves an instance the enforcer is terminating (idle past its deadline) for the enforcer to close", async () => {
    const { ports, table, annex, id } = oneInstanceAnnex();
    const record = table.record(annex.id, id);
    if (record) Object.assign(record, { activity: "idle", idleDeadline: NOW - 1 });
    await handleEc2Event(ports, sample("state-change-shutting-down", id), NOW);
    expect(table.record(annex.id, id)).toMatchObject({ ec2State: "shutting-down" });
    expect(table.record(annex.id, id)?.endedAt).toBeUndefined();
    expect(table.annexes.get(annex.id)?.state).toBe("running");
  });

  it("marks a spot interruption warning once, so the next heartbeat answer is drain", async () => {
    const { ports, table, annex, id } = oneInstanceAnnex();
    await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW);
    await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW + 3);
    const record = table.record(annex.id, id);
    expect(record?.interruptionNoticeAt).toBe(NOW);
    expect(record && heartbeatInstruction(annex, record, NOW + 10)).toBe("drain");
    expect(table.eventTypes(annex.id)).toEqual(["interruption-notice"]);
  });

  it("drains on a rebalance recommendation too; a later interruption warning upgrades it", async () => {
    const { ports, table, annex, id } = oneInstanceAnnex();
    await handleEc2Event(ports, sample("rebalance-recommendation", id), NOW);
    expect(table.record(annex.id, id)).toMatchObject({
      interruptionNoticeAt: NOW,
      interruptionKind: "rebalance-recommendation",
    });
    await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW + 30);
    const record = table.record(annex.id, id);
    expect(record).toMatchObject({
      interruptionNoticeAt: NOW,
      interruptionKind: "spot-interruption",
    });
    expect(record && heartbeatInstruction(annex, record, NOW + 40)).toBe("drain");
    expect(table.eventTypes(annex.id)).toEqual(["interruption-notice", "interruption-notice"]);
  });

  describe("replacing an interrupted instance of a fleet annex", () => {
    const fleet: FleetAsk = {
      capacityUnit: "vcpu",
      targetCapacity: 4,
      weights: { "m5.large": 2, "c5.large": 2 },
      spotPercent: 100,
      onDemandFallback: true,
      replaceInterrupted: true,
      subnets: [
        { subnetId: "subnet-a", availabilityZone: "us-east-1a" },
        { subnetId: "subnet-b", availabilityZone: "us-east-1b" },
      ],
      skippedPools: [],
    };
    const fleetAnnex = (overrides: Partial<FleetAsk> = {}, annexOverrides = {}) => {
      const fakes = oneInstanceAnnex({
        kind: "fleet",
        fleet: { ...fleet, ...overrides },
        fleetLaunchTemplateId: "lt-0123456789abcdef0",
        ...annexOverrides,
      });
      const key = `${fakes.annex.id} ${fakes.id}`;
      const record = fakes.table.records.get(key);
      if (record)
        fakes.table.records.set(key, {
          ...record,
          market: "spot",
          availabilityZone: "us-east-1a",
          capacityUnits: 2,
        });
      return fakes;
    };

    it("launches one replacement from another pool, tagged for the annex, and records it", async () => {
      const { ports, table, fleets, annex, id } = fleetAnnex();
      await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW);
      await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW + 5);
      expect(fleets.launches).toHaveLength(1);
      const [launch] = fleets.launches;
      expect(launch).toMatchObject({
        market: "spot",
        targetCapacity: 2,
        launchTemplateId: "lt-0123456789abcdef0",
      });
      expect(launch?.overrides).not.toContainEqual(
        expect.objectContaining({ subnetId: "subnet-a", instanceType: "m5.large" }),
      );
      expect(launch?.instanceTags).toContainEqual({
        Key: "annex:lease-expires",
        Value: new Date(annex.leaseExpiresAt * 1000).toISOString().replace(".000Z", "Z"),
      });
      expect(launch?.instanceTags).toContainEqual({ Key: "annex:id", Value: annex.id });
      const replaced = table.record(annex.id, id)?.replacement;
      expect(replaced).toMatchObject({ doneAt: NOW, instanceIds: [expect.any(String)] });
      const [newId = ""] = replaced?.instanceIds ?? [];
      expect(table.record(annex.id, newId)).toMatchObject({ replacementFor: id, market: "spot" });
      expect(table.eventTypes(annex.id)).toContain("replacement");
    });

    it("launches none when the annex did not ask for replacements", async () => {
      const { ports, table, fleets, annex, id } = fleetAnnex({ replaceInterrupted: false });
      await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW);
      expect(fleets.launches).toEqual([]);
      expect(table.record(annex.id, id)?.replacement).toBeUndefined();
    });

    it("launches none when no more than the boot grace is left on the lease", async () => {
      const { ports, table, fleets, annex, id } = fleetAnnex({}, { leaseExpiresAt: NOW + 600 });
      await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW);
      expect(fleets.launches).toEqual([]);
      expect(table.record(annex.id, id)?.replacement).toMatchObject({
        doneAt: NOW,
        skippedBecause: expect.stringContaining("boot grace"),
      });
      expect(table.eventTypes(annex.id)).toContain("replacement-skipped");
    });

    it("leaves a replacement that failed due, and the sweep launches it with the same client token", async () => {
      const { ports, table, fleets, annex, id } = fleetAnnex();
      const launch = ports.ec2Fleets.launch;
      let failing = true;
      ports.ec2Fleets.launch = async (request) => {
        if (!failing) return launch(request);
        failing = false;
        fleets.launches.push(structuredClone(request));
        throw new Error("EC2 is unavailable");
      };
      await handleEc2Event(ports, sample("spot-interruption-warning", id), NOW);
      const pending = table.record(annex.id, id)?.replacement;
      expect(pending).toMatchObject({ dueAt: NOW, clientToken: `${annex.id}.r.${id}` });
      expect(pending?.doneAt).toBeUndefined();
      const report = await runSweep(ports, { now: NOW + 60, timeLeft: () => 1000 });
      expect(report.replacementsLaunched).toBe(1);
      expect(fleets.launches.map((l) => l.clientToken)).toEqual([
        `${annex.id}.r.${id}`,
        `${annex.id}.r.${id}`,
      ]);
    });
  });

  it("rejects events that are not the EC2 events it subscribes to", () => {
    expect(
      ec2EventSchema.safeParse({
        source: "aws.events",
        "detail-type": "Scheduled Event",
        detail: {},
      }).success,
    ).toBe(false);
    const bad = sample("state-change-running", "i-0abcdef1234567890") as unknown as {
      detail: { state: string };
    };
    bad.detail.state = "exploded";
    expect(ec2EventSchema.safeParse(bad).success).toBe(false);
  });
});
