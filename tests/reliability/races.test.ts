/**
 * Races, from outside: identical creates at once, concurrent enforcer runs, duplicated and
 * out-of-order EC2 events, a lease reset racing expiry, and `off` racing create at each step.
 * Nothing may launch twice, be audited twice, or outlive an ended annex.
 */

import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ec2At } from "../support/sdk.ts";
import { createRequest } from "../support/stack.ts";
import { instanceIdsOf } from "./support/aws-tap.ts";
import { type Harness, printCounts, settle, startHarness } from "./support/harness.ts";
import {
  type AnnexView,
  annexOf,
  bundleKeys,
  epoch,
  eventsOfType,
  invariantCounts,
  runningInstances,
  taggedInstances,
} from "./support/state.ts";

let h: Harness;
const tally = { requests: 0, "5xx": 0 };
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  printCounts("races", { ...tally, ...(await invariantCounts(h, ["alice"])) });
  await h.stop();
});

async function post(body: unknown, owner = "alice") {
  const answer = await h.call("POST", "/annexes", { owner, body });
  tally.requests += 1;
  if (answer.status >= 500) tally["5xx"] += 1;
  return answer;
}

/** A create that must succeed: its annex. */
async function created(body: unknown): Promise<AnnexView> {
  const answer = await post(body);
  expect(answer.status, answer.text.slice(0, 300)).toBe(201);
  return answer.json?.annex as AnnexView;
}

const SHORT = { durationHours: 0.1, idleHours: 0.1 };

describe("32 identical creates at once", () => {
  it("make one annex, one lease, one set of instances, audited once; every caller gets it", async () => {
    const body = createRequest("Race32", { count: 2 });
    // Each request arrives at its own second, as 32 Lambda invocations would.
    const ticking = setInterval(() => h.advance(1), 2);
    const answers = await Promise.all(Array.from({ length: 32 }, () => post(body)));
    clearInterval(ticking);

    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const annexes = answers.map((a) => (a.json?.annex ?? {}) as AnnexView);
    expect(new Set(annexes.map((a) => a.id)).size).toBe(1);
    expect(new Set(annexes.map((a) => a.leaseExpiresAt)).size).toBe(1);
    const [first] = annexes as [AnnexView];
    const instances = taggedInstances(h, first.id);
    expect(instances).toHaveLength(2);
    for (const instance of instances)
      expect(instance.tags["annex:lease-expires"]).toBe(first.leaseExpiresAt);
    const annex = await annexOf(h, "Race32");
    expect(eventsOfType(annex, "created")).toHaveLength(1);
    expect(eventsOfType(annex, "launched")).toHaveLength(1);
    const list = await h.call("GET", "/annexes");
    const named = ((list.json?.annexes ?? []) as AnnexView[]).filter((a) => a.name === "Race32");
    expect(named).toHaveLength(1);
  });
});

describe("enforcer runs at once", () => {
  const names = ["Twin1", "Twin2", "Twin3", "Twin4", "Twin5", "Twin6"];
  let ids: string[] = [];
  let expiredAt = 0;

  beforeAll(async () => {
    const annexes = await Promise.all(
      names.map((n) => created(createRequest(n, { count: 2, ...SHORT }))),
    );
    ids = annexes.map((a) => a.id);
    expiredAt = Math.max(...annexes.map((a) => epoch(a.leaseExpiresAt)));
    h.advance(expiredAt - h.now() + 1);
    h.tap.resetCounts();
    await Promise.all([h.tick(), h.tick(), h.tick()]);
  });

  it("end every annex once, audit it once, terminate every instance and launch nothing", async () => {
    expect(h.tap.counts.byAction["ec2:RunInstances"] ?? 0).toBe(0);
    for (const [i, name] of names.entries()) {
      const annex = await annexOf(h, name);
      expect(annex).toMatchObject({ state: "ended", endReason: "expired" });
      expect(eventsOfType(annex, "expired")).toHaveLength(1);
      expect(runningInstances(h, ids[i] ?? "")).toEqual([]);
      expect(await bundleKeys(h, ids[i] ?? "")).toEqual([]);
    }
  });

  it("share the work instead of repeating it: each instance is terminated by one run", () => {
    // Only the twins' instances: others (Race32's, launched minutes of clock time earlier and
    // never bootstrapped) may be ended by their boot deadline in the same ticks.
    const twins = new Set(ids);
    const all = h.tap.counts.ec2Calls
      .filter((call) => call.action === "TerminateInstances")
      .flatMap(instanceIdsOf);
    expect(new Set(all).size).toBe(all.length);
    const terminated = all.filter((id) =>
      twins.has(h.stack.aws.ec2.control.instance(id)?.tags["annex:id"] ?? ""),
    );
    expect(terminated).toHaveLength(names.length * 2);
    expect(new Set(terminated).size).toBe(names.length * 2);
  });
});

describe("duplicated and out-of-order EC2 events", () => {
  it("end each instance once and never bring an ended one back", async () => {
    const annex = await created(createRequest("Events", { count: 2, durationHours: 4 }));
    const [a = "", b = ""] = annex.instances.map((i) => i.id);
    const event = (id: string, state: string, at: number) => ({
      version: "0",
      id: `${id}-${state}-${at}`,
      "detail-type": "EC2 Instance State-change Notification",
      source: "aws.ec2",
      account: "000000000000",
      time: new Date(at * 1000).toISOString(),
      region: "us-east-1",
      resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${id}`],
      detail: { "instance-id": id, state },
    });
    const launched = h.now();
    h.advance(60);
    // Terminated behind the service's back: EC2 emits the real events; copies come late and twice.
    const ec2 = ec2At(h.readEndpoint);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [a, b] }));
    ec2.destroy();
    const deliveries = [
      event(a, "terminated", h.now()),
      event(a, "running", launched),
      event(a, "terminated", h.now()),
      event(b, "shutting-down", h.now()),
      event(b, "pending", launched),
      event(b, "terminated", h.now()),
      event(b, "running", launched),
    ];
    await Promise.all(deliveries.map((e) => h.stack.invoke("handle-ec2-event", e)));
    await Promise.all([...deliveries].reverse().map((e) => h.stack.invoke("handle-ec2-event", e)));
    await settle(async () => (await annexOf(h, "Events")).state === "ended");
    const after = await annexOf(h, "Events");
    const gone = eventsOfType(after, "instance-gone").flatMap((e) => e.instanceIds ?? []);
    expect(gone.sort()).toEqual([a, b].sort());
    await h.tick();
    expect((await annexOf(h, "Events")).state).toBe("ended");
    expect(runningInstances(h, annex.id)).toEqual([]);
    expect(await bundleKeys(h, annex.id)).toEqual([]);
  });
});

describe("a lease reset racing expiry", () => {
  it("either the reset wins (annex live, new lease on every instance) or expiry does (reset refused, all gone)", async () => {
    const names = ["Reset1", "Reset2", "Reset3", "Reset4"];
    const annexes = await Promise.all(
      names.map((n) => created(createRequest(n, { count: 1, ...SHORT }))),
    );
    const lease = Math.max(...annexes.map((a) => epoch(a.leaseExpiresAt)));
    h.advance(lease - h.now());
    const outcomes = await Promise.all([
      h.tick(),
      ...names.map((n) => h.call("PATCH", `/annexes/${n}`, { body: { durationHours: 1 } })),
    ]);
    const resets = outcomes.slice(1) as Array<{ status: number; text: string }>;
    for (const [i, name] of names.entries()) {
      const reset = resets[i] as { status: number; text: string };
      expect([200, 409], reset.text).toContain(reset.status);
      const annex = await annexOf(h, name);
      if (reset.status === 200) {
        expect(annex.state).not.toBe("ended");
        expect(epoch(annex.leaseExpiresAt)).toBe(h.now() + 3600);
        for (const instance of taggedInstances(h, annex.id))
          expect(instance.tags["annex:lease-expires"]).toBe(annex.leaseExpiresAt);
        expect(runningInstances(h, annex.id)).toHaveLength(1);
      } else {
        await h.tick();
        expect(await annexOf(h, name)).toMatchObject({ state: "ended", endReason: "expired" });
        expect(runningInstances(h, annex.id)).toEqual([]);
      }
    }
    await h.tick();
    for (const name of names) {
      const annex = await annexOf(h, name);
      if (annex.state !== "ended") expect(runningInstances(h, annex.id)).toHaveLength(1);
      else expect(runningInstances(h, annex.id)).toEqual([]);
    }
  });
});

describe("off racing create", () => {
  // The last field: whether create still calls RunInstances (off landed before it decided to).
  const steps = [
    ["before the bundle upload", { service: "s3", action: /^PUT annexes\// }, "before", false],
    ["after the bundle upload", { service: "s3", action: /^PUT annexes\// }, "after", false],
    ["before RunInstances", { service: "ec2", action: "RunInstances" }, "before", true],
    [
      "after RunInstances, before it is recorded",
      { service: "ec2", action: "RunInstances" },
      "after",
      true,
    ],
  ] as const;
  const runInstancesCalls = () => h.tap.counts.byAction["ec2:RunInstances"] ?? 0;

  for (const [i, [label, pattern, when, launches]] of steps.entries()) {
    it(`leaves nothing running and no bundle when off lands ${label}`, async () => {
      const name = `OffRace${i}`;
      const launchesBefore = runInstancesCalls();
      const hold = h.tap.hold(pattern, when);
      const creating = post(createRequest(name, { count: 2 }));
      await hold.reached;
      const off = await h.call("DELETE", `/annexes/${name}`);
      expect(off.status, off.text).toBe(200);
      expect(off.json?.annex).toMatchObject({ state: "ended", endReason: "off" });
      hold.release();
      const answer = await creating;
      expect(answer.status, answer.text).toBeLessThan(500);
      const annex = await annexOf(h, name);
      expect(annex).toMatchObject({ state: "ended", endReason: "off" });
      expect(runningInstances(h, annex.id)).toEqual([]);
      expect(await bundleKeys(h, annex.id)).toEqual([]);
      expect(eventsOfType(annex, "off")).toHaveLength(1);
      if (!launches) {
        expect(runInstancesCalls() - launchesBefore).toBe(0);
        expect(taggedInstances(h, annex.id)).toEqual([]);
      }
    });
  }
});
