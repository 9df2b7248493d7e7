import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import {
  apiClient,
  createRequest,
  POOL_PASSWORD,
  SETUP,
  startTestStack,
  TEST_IMAGE,
} from "../../support/stack.ts";

type AnnexBody = {
  annex: {
    id: string;
    name: string;
    state: string;
    endReason?: string;
    leaseExpiresAt: string;
    leaseRemainingSeconds: number;
    idleTimeoutSeconds: number;
    instances: Array<{
      id: string;
      type: string;
      state: string;
      launchedAt: string;
      joined: boolean;
    }>;
    events?: Array<{ type: string; message: string }>;
  };
};

let stack: LocalStack;
let alice: ReturnType<typeof apiClient>;
let bob: ReturnType<typeof apiClient>;
beforeAll(async () => {
  stack = await startTestStack();
  alice = apiClient(stack, "alice");
  bob = apiClient(stack, "bob");
  expect((await alice("POST", "/setup", SETUP)).status).toBe(200);
});
afterAll(() => stack.stop());

const tagged = (annexId: string) =>
  stack.aws.ec2.control.instances().filter((instance) => instance.tags["annex:id"] === annexId);
const alive = (annexId: string) =>
  tagged(annexId).filter((i) => i.state === "pending" || i.state === "running");

describe("annex lifecycle", () => {
  let annexId = "";
  const request = createRequest("MyFirstAnnex", {
    count: 2,
    durationHours: 0.83,
    idleHours: 0.25,
    tags: { Project: "tutorial" },
  });

  it("creates an on-demand annex: instances launched, tagged at launch, with our user data", async () => {
    const answer = await alice<AnnexBody>("POST", "/annexes", request);
    expect(answer.status).toBe(201);
    const { annex } = answer.body;
    annexId = annex.id;
    expect(annex).toMatchObject({
      name: "MyFirstAnnex",
      state: "provisioning",
      idleTimeoutSeconds: 900,
    });
    expect(annex.leaseRemainingSeconds).toBeGreaterThan(2980);
    expect(annex.leaseRemainingSeconds).toBeLessThanOrEqual(2988);
    expect(annex.instances).toHaveLength(2);
    const instances = tagged(annexId);
    expect(instances).toHaveLength(2);
    for (const instance of instances) {
      expect(instance.imageId).toBe(TEST_IMAGE);
      expect(instance.instanceType).toBe("m5.large");
      expect(instance.shutdownBehavior).toBe("terminate");
      expect(instance.tags).toMatchObject({
        "annex:name": "MyFirstAnnex",
        "annex:owner": "arn:aws:iam::000000000000:user/alice",
        "annex:lease-expires": annex.leaseExpiresAt,
        Project: "tutorial",
      });
      expect(instance.userData).toContain(stack.apiUrl);
      expect(instance.userData).not.toContain(POOL_PASSWORD);
    }
  });

  it("returns the same annex for a replayed clientToken and launches nothing more", async () => {
    const replay = await alice<AnnexBody>("POST", "/annexes", request);
    expect(replay.status).toBe(200);
    expect(replay.body.annex.id).toBe(annexId);
    expect(tagged(annexId)).toHaveLength(2);
    expect(stack.aws.ec2.control.instances()).toHaveLength(2);
  });

  it("answers 409 when the clientToken is reused with other parameters", async () => {
    const conflict = await alice("POST", "/annexes", { ...request, count: 3 });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ error: { code: "IdempotencyMismatch" } });
    expect(stack.aws.ec2.control.instances()).toHaveLength(2);
  });

  it("answers 409 for a second live annex with the same name", async () => {
    const again = await alice("POST", "/annexes", createRequest("MyFirstAnnex"));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "NameInUse" } });
  });

  it("shows status: EC2 state per instance, lease left, idle timeout, audit trail", async () => {
    const answer = await alice<AnnexBody>("GET", "/annexes/MyFirstAnnex");
    expect(answer.status).toBe(200);
    const { annex } = answer.body;
    expect(annex.instances.map((i) => i.state).sort()).toEqual(["running", "running"]);
    expect(annex.instances.every((i) => i.joined === false)).toBe(true);
    expect(annex.events?.map((e) => e.type)).toEqual(["created", "estimate", "launched"]);
    const list = await alice<{
      annexes: Array<{ name: string; instances: Array<{ state: string }> }>;
    }>("GET", "/annexes");
    expect(list.body.annexes.map((a) => a.name)).toEqual(["MyFirstAnnex"]);
    expect(list.body.annexes[0]?.instances.map((i) => i.state)).toEqual(["running", "running"]);
  });

  it("keeps annexes private to their owner: another owner gets 404 for everything", async () => {
    expect((await bob("GET", "/annexes/MyFirstAnnex")).status).toBe(404);
    expect((await bob("PATCH", "/annexes/MyFirstAnnex", { durationHours: 5 })).status).toBe(404);
    expect((await bob("DELETE", "/annexes/MyFirstAnnex")).status).toBe(404);
    expect((await bob<{ annexes: unknown[] }>("GET", "/annexes")).body.annexes).toEqual([]);
    expect(alive(annexId)).toHaveLength(2);
  });

  it("resets the lease to now + duration, retags the instances and audits it", async () => {
    const answer = await alice<AnnexBody>("PATCH", "/annexes/MyFirstAnnex", { durationHours: 2 });
    expect(answer.status).toBe(200);
    const { annex } = answer.body;
    expect(annex.leaseRemainingSeconds).toBeGreaterThan(7190);
    for (const instance of tagged(annexId))
      expect(instance.tags["annex:lease-expires"]).toBe(annex.leaseExpiresAt);
    expect(annex.events?.at(-1)).toMatchObject({ type: "lease-extended" });
  });

  it("rejects a lease reset beyond the configured maximum, changing nothing", async () => {
    const before = (await alice<AnnexBody>("GET", "/annexes/MyFirstAnnex")).body.annex
      .leaseExpiresAt;
    const answer = await alice("PATCH", "/annexes/MyFirstAnnex", { durationHours: 1000 });
    expect(answer.status).toBe(422);
    expect((await alice<AnnexBody>("GET", "/annexes/MyFirstAnnex")).body.annex.leaseExpiresAt).toBe(
      before,
    );
  });

  it("turns the annex off: every instance terminated, bundle deleted, annex ended (off), audited", async () => {
    const answer = await alice<AnnexBody>("DELETE", "/annexes/MyFirstAnnex");
    expect(answer.status).toBe(200);
    expect(answer.body.annex).toMatchObject({
      state: "ended",
      endReason: "off",
      leaseRemainingSeconds: 0,
    });
    expect(alive(annexId)).toHaveLength(0);
    expect(answer.body.annex.events?.at(-1)?.type).toBe("off");
  });

  it("is idempotent: off again answers the ended annex and terminates nothing more", async () => {
    const answer = await alice<AnnexBody>("DELETE", "/annexes/MyFirstAnnex");
    expect(answer.status).toBe(200);
    expect(answer.body.annex).toMatchObject({ state: "ended", endReason: "off" });
    expect(answer.body.annex.events?.filter((e) => e.type === "off")).toHaveLength(1);
  });

  it("refuses to reset the lease of an ended annex", async () => {
    const answer = await alice("PATCH", "/annexes/MyFirstAnnex", { durationHours: 1 });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ error: { code: "NotLive" } });
  });

  it("lets the name be used again once the annex has ended", async () => {
    const answer = await alice<AnnexBody>("POST", "/annexes", createRequest("MyFirstAnnex"));
    expect(answer.status).toBe(201);
    expect(answer.body.annex.id).not.toBe(annexId);
    await alice("DELETE", "/annexes/MyFirstAnnex");
  });
});
