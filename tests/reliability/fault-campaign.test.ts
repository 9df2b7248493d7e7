/**
 * A fault campaign: the EC2 emulator throttles with EC2's published token buckets, fails calls
 * with 500s at a seeded rate, runs short of one instance type and shows new instances late, while
 * a seeded workload creates, resets, inspects and stops annexes (retrying like the CLI does) and
 * the enforcer ticks every minute of a controlled clock. After every tick and at the end the
 * invariants are read from EC2's and DynamoDB's own state (through the owner's API).
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequest } from "../support/stack.ts";
import { type Answer, type Harness, printCounts, startHarness } from "./support/harness.ts";
import {
  type AnnexView,
  annexOf,
  epoch,
  eventsOfType,
  invariantCounts,
  taggedInstances,
} from "./support/state.ts";

const SEED = 1207;
const STEPS = 100;
const TICK = 60;
const END_REASONS = ["expired", "off", "idle", "failed"];

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

let h: Harness;
const tally = {
  requests: 0,
  "2xx": 0,
  "4xx": 0,
  "503": 0,
  "other 5xx": 0,
  "client retries": 0,
  ticks: 0,
  "worst overrun past lease (s)": 0,
};
const created = new Map<string, { id: string; count: number }>();
let final: Awaited<ReturnType<typeof invariantCounts>> | undefined;

beforeAll(async () => {
  h = await startHarness();
  const control = h.stack.aws.ec2.control;
  control.setThrottling(true);
  control.setErrorRate(0.02, { seed: SEED });
  control.setCapacity("c5.large", 6);
  control.setVisibilityDelay(2000);
  h.tap.resetCounts();
}, 60_000);
afterAll(async () => {
  const ec2Errors = Object.entries(h.tap.counts.errors)
    .filter(([key]) => key.startsWith("ec2:"))
    .map(([key, n]) => `${key.slice(4)} ${n}`)
    .join(" / ");
  printCounts("fault campaign", {
    ...tally,
    "faults injected (seen at the wire)": ec2Errors,
    "SDK retries": h.tap.counts.sdkRetries,
    ...(await invariantCounts(h, ["alice"], TICK)),
  });
  await h.stop();
});

/** One API request, retried like the CLI: the same request again after a 5xx, at most 3 times. */
async function request(method: string, path: string, body?: unknown): Promise<Answer> {
  let answer: Answer | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) {
      tally["client retries"] += 1;
      h.advance(2);
    }
    answer = await h.call(method, path, { body });
    tally.requests += 1;
    if (answer.status < 500) break;
  }
  const status = (answer as Answer).status;
  if (status < 300) tally["2xx"] += 1;
  else if (status < 500) tally["4xx"] += 1;
  else if (status === 503) tally["503"] += 1;
  else tally["other 5xx"] += 1;
  return answer as Answer;
}

/** Running instances whose annex ended, or whose lease ended more than one tick ago: must be none. */
async function overrun(): Promise<string[]> {
  const list = ((await h.call("GET", "/annexes")).json?.annexes ?? []) as AnnexView[];
  const byId = new Map(list.map((annex) => [annex.id, annex]));
  const now = h.now();
  return h.stack.aws.ec2.control
    .instances()
    .filter((i) => i.state === "running" || i.state === "pending")
    .filter((i) => {
      const annex = byId.get(i.tags["annex:id"] ?? "");
      if (annex === undefined) return false;
      const end = annex.state === "ended" ? now - TICK - 1 : epoch(annex.leaseExpiresAt);
      const past = now - end;
      tally["worst overrun past lease (s)"] = Math.max(tally["worst overrun past lease (s)"], past);
      return past > TICK;
    })
    .map((i) => i.instanceId);
}

describe("under EC2 faults at realistic rates", () => {
  it("no instance outlives its lease by more than a tick, none launches twice, no record is lost or doubled", {
    timeout: 180_000,
  }, async () => {
    const rng = random(SEED);
    let lastTick = h.now();
    for (let step = 0; step < STEPS; step++) {
      h.advance(1 + Math.floor(rng.next() * 15));
      if (h.now() - lastTick >= TICK) {
        await h.tick();
        tally.ticks += 1;
        lastTick = h.now();
        expect(await overrun()).toEqual([]);
      }
      const roll = rng.next();
      const names = [...created.keys()];
      if (roll < 0.4 || names.length === 0) {
        // One to four users create at once (RunInstances' bucket is 5, refilling 2 a second).
        const burst = Array.from({ length: 1 + Math.floor(rng.next() * 4) }, (_, i) => ({
          name: `Camp${step}x${i}`,
          count: 1 + Math.floor(rng.next() * 3),
          instanceType: rng.pick(["m5.large", "m5.large", "c5.large"]),
          durationHours: rng.pick([0.1, 0.15, 0.25]),
        }));
        await Promise.all(
          burst.map(async ({ name, ...shape }) => {
            const body = createRequest(name, { ...shape, idleHours: 0.1 });
            const annex = (await request("POST", "/annexes", body)).json?.annex as
              | AnnexView
              | undefined;
            if (annex?.id) created.set(name, { id: annex.id, count: shape.count });
          }),
        );
      } else if (roll < 0.55) {
        await request("PATCH", `/annexes/${rng.pick(names)}`, {
          durationHours: rng.pick([0.1, 0.2, 0.5]),
        });
      } else if (roll < 0.7) {
        await request("DELETE", `/annexes/${rng.pick(names)}`);
      } else {
        await request("GET", rng.pick([`/annexes/${rng.pick(names)}`, "/annexes"]));
      }
    }

    // The workload stops; the enforcer runs on until every lease is over.
    h.stack.aws.ec2.control.setVisibilityDelay(0);
    for (let i = 0; i < 40; i++) {
      h.advance(TICK);
      await h.tick();
      tally.ticks += 1;
      expect(await overrun()).toEqual([]);
    }
    final = await invariantCounts(h, ["alice"], TICK);
    expect(final["instances over lease"]).toBe(0);
    expect(tally["other 5xx"]).toBe(0);
    expect(created.size).toBeGreaterThan(20);
    for (const [name, { id, count }] of created) {
      const annex = await annexOf(h, name);
      expect(annex.state, name).toBe("ended");
      expect(END_REASONS).toContain(annex.endReason);
      expect(eventsOfType(annex, "created"), name).toHaveLength(1);
      expect(eventsOfType(annex, "launched").length, name).toBeLessThanOrEqual(1);
      const ends = (annex.events ?? []).filter((e) => END_REASONS.includes(e.type));
      expect(ends.length, `${name}: ${ends.map((e) => e.type)}`).toBeLessThanOrEqual(1);
      expect(taggedInstances(h, id).length, name).toBeLessThanOrEqual(count);
    }
  });

  it("leaves no configuration bundle for an ended annex", () => {
    expect(final?.["bundles of ended annexes"]).toBe(0);
  });
});
