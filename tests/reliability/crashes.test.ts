/**
 * Crash injection from outside: a handler is stopped for good at one step of create, off or the
 * sweep (its AWS call held at the tap before AWS does it, or after AWS did it and before its answer
 * arrives, as when a Lambda dies or times out there). Then the next request (the CLI's retry with
 * the same clientToken, or `off` again) or the next tick must repair the state: nothing running
 * past its lease, nothing launched twice, no bundle left for an ended annex.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequest } from "../support/stack.ts";
import type { CallPattern } from "./support/aws-tap.ts";
import { type Answer, type Harness, printCounts, startHarness } from "./support/harness.ts";
import {
  type AnnexView,
  annexOf,
  bundleKeys,
  epoch,
  invariantCounts,
  runningInstances,
  taggedInstances,
} from "./support/state.ts";

let h: Harness;
const tally = {
  "crashes injected": 0,
  "repaired by the next request": 0,
  "repaired by the next tick": 0,
};
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  printCounts("crashes", { ...tally, ...(await invariantCounts(h, ["alice"])) });
  await h.stop();
});

/** The enforcer's Lambda timeout: a crashed run is gone (and any lock it held expired) by then. */
const ENFORCER_TIMEOUT = 60;
const SHORT = { durationHours: 0.1, idleHours: 0.1 };

/** Starts `work`, and leaves it dead at the first call matching `pattern`. */
async function crashAt(
  pattern: CallPattern,
  when: "before" | "after",
  work: () => Promise<unknown>,
) {
  const hold = h.tap.hold(pattern, when);
  void work().catch(() => undefined);
  await hold.reached;
  tally["crashes injected"] += 1;
}

/** Moves past the lease of `annex` and runs one tick. */
async function tickAfterLease(annex: AnnexView) {
  h.advance(Math.max(0, epoch(annex.leaseExpiresAt) - h.now()) + 1);
  await h.tick();
}

async function expectEndedClean(name: string, annexId: string, reason: string) {
  expect(await annexOf(h, name)).toMatchObject({ state: "ended", endReason: reason });
  expect(runningInstances(h, annexId)).toEqual([]);
  expect(await bundleKeys(h, annexId)).toEqual([]);
}

/** The annex the API holds under `name` (the crashed create wrote it ahead). */
const written = async (name: string) => annexOf(h, name);

const CREATE_STEPS: Array<[string, CallPattern, "before" | "after"]> = [
  ["after the write-ahead record", { service: "s3", action: /^PUT annexes\// }, "before"],
  ["after the bundle upload", { service: "s3", action: /^PUT annexes\// }, "after"],
  ["after RunInstances, before recording", { service: "ec2", action: "RunInstances" }, "after"],
];

describe("create stopped at each step", () => {
  for (const [n, [label, pattern, when]] of CREATE_STEPS.entries()) {
    it(`${label}: the retry with the same clientToken finishes it, with one set of instances`, async () => {
      const name = `CrashRetry${n}`;
      const request = createRequest(name, { count: 2, ...SHORT });
      await crashAt(pattern, when, () => h.call("POST", "/annexes", { body: request }));
      const retry: Answer = await h.call("POST", "/annexes", { body: request });
      expect(retry.status, retry.text).toBe(200);
      const annex = retry.json?.annex as AnnexView;
      expect(annex.state).toBe("provisioning");
      expect(taggedInstances(h, annex.id)).toHaveLength(2);
      expect(await bundleKeys(h, annex.id)).toHaveLength(1);
      tally["repaired by the next request"] += 1;
      await tickAfterLease(annex);
      await expectEndedClean(name, annex.id, "expired");
    });

    it(`${label}, never retried: the tick after the lease ends it, nothing left`, async () => {
      const name = `CrashLeft${n}`;
      await crashAt(pattern, when, () =>
        h.call("POST", "/annexes", { body: createRequest(name, { count: 2, ...SHORT }) }),
      );
      const annex = await written(name);
      expect(annex.state).toBe("requested");
      await tickAfterLease(annex);
      await expectEndedClean(name, annex.id, "expired");
      tally["repaired by the next tick"] += 1;
    });
  }
});

const OFF_STEPS: Array<[string, CallPattern, "before" | "after"]> = [
  [
    "after TerminateInstances, before it is recorded",
    { service: "ec2", action: "TerminateInstances" },
    "after",
  ],
  ["before the bundle is deleted", { service: "s3", action: /^DELETE annexes\// }, "before"],
];

describe("off stopped at each step", () => {
  for (const [n, [label, pattern, when]] of OFF_STEPS.entries()) {
    it(`${label}: off again finishes it`, async () => {
      const name = `OffRetry${n}`;
      const created = await h.call("POST", "/annexes", {
        body: createRequest(name, { count: 2, ...SHORT }),
      });
      const annex = created.json?.annex as AnnexView;
      await crashAt(pattern, when, () => h.call("DELETE", `/annexes/${name}`));
      const again = await h.call("DELETE", `/annexes/${name}`);
      expect(again.status, again.text).toBe(200);
      await expectEndedClean(name, annex.id, "off");
      tally["repaired by the next request"] += 1;
    });

    it(`${label}, never retried: the tick after the lease finishes it`, async () => {
      const name = `OffLeft${n}`;
      const created = await h.call("POST", "/annexes", {
        body: createRequest(name, { count: 2, ...SHORT }),
      });
      const annex = created.json?.annex as AnnexView;
      await crashAt(pattern, when, () => h.call("DELETE", `/annexes/${name}`));
      await tickAfterLease(annex);
      const after = await annexOf(h, name);
      expect(after.state).toBe("ended");
      expect(runningInstances(h, annex.id)).toEqual([]);
      expect(await bundleKeys(h, annex.id)).toEqual([]);
      tally["repaired by the next tick"] += 1;
    });
  }
});

const SWEEP_STEPS: Array<[string, CallPattern, "before" | "after"]> = [
  [
    "in the middle of a terminate batch (sent, not recorded)",
    { service: "ec2", action: "TerminateInstances" },
    "after",
  ],
  ["before a bundle is deleted", { service: "s3", action: /^DELETE annexes\// }, "before"],
];

describe("the sweep stopped at each step", () => {
  for (const [n, [label, pattern, when]] of SWEEP_STEPS.entries()) {
    it(`${label}: the next tick ends every due annex, nothing left`, async () => {
      const names = [0, 1, 2, 3].map((i) => `Sweep${n}x${i}`);
      const annexes = await Promise.all(
        names.map(async (name) => {
          const created = await h.call("POST", "/annexes", {
            body: createRequest(name, { count: 2, ...SHORT }),
          });
          expect(created.status, created.text).toBe(201);
          return created.json?.annex as AnnexView;
        }),
      );
      const lease = Math.max(...annexes.map((a) => epoch(a.leaseExpiresAt)));
      h.advance(lease - h.now() + 1);
      await crashAt(pattern, when, () => h.tick());
      h.advance(ENFORCER_TIMEOUT + 1);
      await h.tick();
      for (const [i, name] of names.entries())
        await expectEndedClean(name, annexes[i]?.id ?? "", "expired");
      tally["repaired by the next tick"] += 1;
    });
  }
});
