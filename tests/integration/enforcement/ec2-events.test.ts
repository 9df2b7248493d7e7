import { readFileSync } from "node:fs";
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heartbeatInstruction } from "../../../shared/domain/lease.ts";
import { ec2At } from "../../support/sdk.ts";
import { type EnforcementStack, eventually, startEnforcementStack } from "./helpers.ts";

let s: EnforcementStack;
beforeAll(async () => {
  s = await startEnforcementStack();
});
afterAll(() => s.stack.stop());

const sample = (name: string, instanceId: string) => {
  const event = JSON.parse(readFileSync(`events/ec2/${name}.json`, "utf8"));
  event.detail["instance-id"] = instanceId;
  return event;
};

describe("EC2 events", () => {
  it("ends an annex whose instances were terminated behind the service's back", async () => {
    const { annex, ids } = await s.create("BehindOurBack", { count: 2, durationHours: 4 });
    for (const id of ids) await s.bootstrapped(annex, id, s.now());
    const ec2 = ec2At(s.stack.awsEndpoint);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })); // e.g. from the console
    ec2.destroy();
    await eventually(async () => expect((await s.annex(annex.id)).state).toBe("ended"));
    for (const id of ids) expect((await s.record(annex.id, id)).endedAt).toBeDefined();
    const types = await s.eventTypes(annex.id);
    expect(types.filter((type) => type === "instance-gone")).toHaveLength(2);
    expect((await s.annex(annex.id)).endReason).toBe("idle"); // they had joined and never reported busy
  });

  it("marks a spot interruption warning so the next heartbeat answer is drain, then closes the reclaimed instance", async () => {
    const { annex, ids } = await s.create("Spotty", { count: 1, durationHours: 4 });
    const [spot = ""] = await s.runTagged(annex, 1, { spot: true });
    await s.instances.addInstances([
      {
        annexId: annex.id,
        instanceId: spot,
        instanceType: "m5.large",
        ec2State: "running",
        launchedAt: s.now(),
        version: 1,
      },
    ]);
    for (const id of [...ids, spot]) await s.bootstrapped(annex, id, s.now());
    s.control.interruptSpot(spot, { warningSeconds: 120 });
    await eventually(async () =>
      expect((await s.record(annex.id, spot)).interruptionNoticeAt).toBe(s.now()),
    );
    expect(heartbeatInstruction(annex, await s.record(annex.id, spot), s.now() + 1)).toBe("drain");
    expect(await s.eventTypes(annex.id)).toContain("interruption-notice");

    s.moveTo(s.now() + 120);
    s.control.tick();
    await eventually(async () => expect((await s.record(annex.id, spot)).endedAt).toBeDefined());
    expect((await s.annex(annex.id)).state).not.toBe("ended"); // its on-demand instance still runs
  });

  it("does no harm when the same event arrives twice, even at once, or for an instance it never recorded", async () => {
    const { annex, ids } = await s.create("Twice", { count: 1, durationHours: 4 });
    const [id = ""] = ids;
    await s.bootstrapped(annex, id, s.now());
    const event = {
      ...sample("state-change-terminated", id),
      time: new Date(s.now() * 1000).toISOString(),
    };
    const outcomes = (await Promise.all([
      s.stack.invoke("handle-ec2-event", event),
      s.stack.invoke("handle-ec2-event", event),
    ])) as Array<{ outcome: string }>;
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["unchanged", "updated"]);
    const again = (await s.stack.invoke("handle-ec2-event", event)) as { outcome: string };
    expect(again.outcome).toBe("unchanged");
    expect((await s.eventTypes(annex.id)).filter((type) => type === "instance-gone")).toHaveLength(
      1,
    );
    await eventually(async () => expect((await s.annex(annex.id)).state).toBe("ended"));

    const stranger = (await s.stack.invoke(
      "handle-ec2-event",
      sample("state-change-running", "i-0fedcba9876543210"),
    )) as {
      outcome: string;
    };
    expect(stranger.outcome).toBe("ignored");
    const notEc2 = (await s.stack.invoke(
      "handle-ec2-event",
      JSON.parse(readFileSync("events/schedule/enforce-leases.json", "utf8")),
    )) as {
      outcome: string;
    };
    expect(notEc2.outcome).toBe("ignored");
  });
});
