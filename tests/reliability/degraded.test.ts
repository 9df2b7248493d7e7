/**
 * A degraded account, from outside: an EC2 whose TerminateInstances keeps failing for one annex's
 * instances (as another EC2 implementation did), and a config bucket that has gone missing.
 * One failing annex must never stop the sweep, and check-setup must report what is missing.
 */

import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_NAMES } from "../../local/stack.ts";
import { s3At } from "../support/sdk.ts";
import { createRequest } from "../support/stack.ts";
import { instanceIdsOf } from "./support/aws-tap.ts";
import { type Harness, printCounts, startHarness } from "./support/harness.ts";
import {
  type AnnexView,
  annexOf,
  bundleKeys,
  epoch,
  eventsOfType,
  runningInstances,
} from "./support/state.ts";

let h: Harness;
const tally = { ticks: 0, "refused terminations": 0 };
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  printCounts("degraded account", tally);
  await h.stop();
});

describe("one annex whose terminations keep failing", () => {
  const names = ["Healthy1", "Broken", "Healthy2", "Healthy3"];
  let annexes: AnnexView[] = [];
  let broken: string[] = [];

  beforeAll(async () => {
    annexes = await Promise.all(
      names.map(async (name) => {
        const body = createRequest(name, { count: 2, durationHours: 0.1, idleHours: 0.1 });
        return (await h.call("POST", "/annexes", { body })).json?.annex as AnnexView;
      }),
    );
    broken = annexes[1]?.instances.map((i) => i.id) ?? [];
    h.tap.fail(
      {
        service: "ec2",
        action: "TerminateInstances",
        match: (call) => instanceIdsOf(call).some((id) => broken.includes(id)),
      },
      { status: 500, code: "InternalError", times: 1000 },
    );
    h.advance(Math.max(...annexes.map((a) => epoch(a.leaseExpiresAt))) - h.now() + 1);
  });

  it("does not stop the sweep: every other annex ends in the same tick, the failure is recorded on its annex", async () => {
    await h.tick();
    tally.ticks += 1;
    for (const name of ["Healthy1", "Healthy2", "Healthy3"]) {
      const annex = await annexOf(h, name);
      expect(annex, name).toMatchObject({ state: "ended", endReason: "expired" });
      expect(runningInstances(h, annex.id)).toEqual([]);
    }
    const failing = await annexOf(h, "Broken");
    expect(failing.state).not.toBe("ended");
    expect(eventsOfType(failing, "enforcement-failed").length).toBeGreaterThan(0);
  });

  it("retries it every tick, and ends it at the first tick after EC2 recovers", async () => {
    h.advance(60);
    await h.tick();
    tally.ticks += 1;
    expect(runningInstances(h, annexes[1]?.id ?? "")).toHaveLength(2);
    tally["refused terminations"] = h.tap.counts.errors["ec2:InternalError"] ?? 0;
    h.tap.clearFailures();
    h.advance(60);
    await h.tick();
    tally.ticks += 1;
    for (const [i, name] of names.entries()) {
      expect(await annexOf(h, name), name).toMatchObject({ state: "ended", endReason: "expired" });
      expect(runningInstances(h, annexes[i]?.id ?? "")).toEqual([]);
      expect(await bundleKeys(h, annexes[i]?.id ?? "")).toEqual([]);
    }
  });
});

describe("check-setup with the config bucket gone", () => {
  it("reports the bucket missing with what to do, and answers 200", async () => {
    const s3 = s3At(h.readEndpoint);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_NAMES.bucket }));
    const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (objects.length > 0)
      await s3.send(
        new DeleteObjectsCommand({ Bucket: LOCAL_NAMES.bucket, Delete: { Objects: objects } }),
      );
    await s3.send(new DeleteBucketCommand({ Bucket: LOCAL_NAMES.bucket }));
    s3.destroy();
    const answer = await h.call("GET", "/setup");
    expect(answer.status, answer.text).toBe(200);
    const components = answer.json?.components as Array<{
      name: string;
      status: string;
      action?: string;
    }>;
    expect(answer.json?.ok).toBe(false);
    expect(components.find((c) => c.name === "config-bucket")).toMatchObject({ status: "missing" });
  });
});
