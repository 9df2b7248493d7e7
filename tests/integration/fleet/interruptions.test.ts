import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InstanceSummary } from "../../../local/ec2/index.ts";
import {
  type InstanceSimulator,
  startInstanceSimulator,
} from "../../../local/instances/simulator.ts";
import type { LocalStack } from "../../../local/stack.ts";
import { fleetRequest } from "../../support/fleet.ts";
import { spotRequest } from "../../support/spot-fleet.ts";
import { apiClient, SETUP, startTestStack } from "../../support/stack.ts";
import { FAST_ENV, removeTemporaryFolders, temporaryFolder } from "../instance/helpers.ts";

interface Annex {
  id: string;
  leaseExpiresAt: string;
  instances: Array<{
    id: string;
    joined: boolean;
    interruptedAt?: string;
    interruption?: string;
    replacementFor?: string;
  }>;
  events?: Array<{ type: string; message: string }>;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let simulator: InstanceSimulator;
beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack);
  expect((await api("POST", "/setup", SETUP)).status).toBe(200);
  simulator = await startInstanceSimulator({
    awsEndpoint: stack.awsEndpoint,
    sandboxRoot: await temporaryFolder("annex-fleet-sim-"),
    heartbeatSeconds: 1,
    pollMs: 200,
    scriptEnv: FAST_ENV,
    idleShutdown: false,
  });
}, 60_000);
afterAll(async () => {
  await simulator?.stop();
  await stack?.stop();
  await removeTemporaryFolders();
});

const control = () => stack.aws.ec2.control;
const status = async (name: string) =>
  (await api<{ annex: Annex }>("GET", `/annexes/${name}`)).body.annex;
const tagged = (annexId: string): InstanceSummary[] =>
  control()
    .instances()
    .filter((i) => i.tags["annex:id"] === annexId);
const pool = (i: InstanceSummary) => `${i.instanceType}@${i.availabilityZone}`;

/** A one-instance spot fleet annex whose instance has joined. */
async function joinedFleet(name: string, fleet: Record<string, unknown> = {}) {
  const { cores: _, ...request } = fleetRequest(name, { count: 1, durationHours: 1 }, fleet);
  const created = await api<{ annex: Annex }>("POST", "/annexes", request);
  expect(created.status).toBe(201);
  const annex = created.body.annex;
  const [instance] = tagged(annex.id);
  if (instance === undefined) throw new Error("no instance launched");
  expect(instance.lifecycle).toBe("spot");
  await waitFor(
    "the instance to join",
    () => simulator.get(instance.instanceId)?.phase === "joined",
  );
  return { annex, instance };
}

const drains = async (instanceId: string) =>
  (await simulator.get(instanceId)?.sandbox.calls("condor_drain")) ?? [];

describe("an interrupted spot instance of a fleet annex", () => {
  it("gets drain in its heartbeat answer and drains gracefully before EC2 terminates it", async () => {
    const { instance } = await joinedFleet("Drained");
    control().interruptSpot(instance.instanceId, { warningSeconds: 600 });
    await waitFor("the drain", async () => (await drains(instance.instanceId)).length > 0);
    const [drain] = await drains(instance.instanceId);
    expect(drain?.args[0]).toBe("-graceful");
    const now = control().instance(instance.instanceId);
    expect(now?.state).toBe("running");
    expect(drain?.at).toBeLessThan(Date.parse(now?.interruption?.terminationTime ?? ""));
    const [shown] = (await status("Drained")).instances;
    expect(shown).toMatchObject({
      interruption: "spot-interruption",
      interruptedAt: expect.any(String),
    });
    await api("DELETE", "/annexes/Drained");
  });

  it("drains on a rebalance recommendation too", async () => {
    const { instance } = await joinedFleet("Rebalanced");
    control().recommendRebalance(instance.instanceId);
    await waitFor("the drain", async () => (await drains(instance.instanceId)).length > 0);
    expect((await status("Rebalanced")).instances[0]?.interruption).toBe(
      "rebalance-recommendation",
    );
    await api("DELETE", "/annexes/Rebalanced");
  });

  it("with replaceInterrupted, gets a replacement from another pool that joins", async () => {
    const { annex, instance } = await joinedFleet("Replaced", { replaceInterrupted: true });
    // A reset first: the replacement carries the lease now, not the one its template was made with.
    const reset = await api<{ annex: Annex }>("PATCH", "/annexes/Replaced", { durationHours: 2 });
    control().interruptSpot(instance.instanceId, { warningSeconds: 600 });
    await waitFor("a replacement", () => tagged(annex.id).length === 2);
    const replacement = tagged(annex.id).find((i) => i.instanceId !== instance.instanceId);
    if (replacement === undefined) throw new Error("no replacement");
    expect(pool(replacement)).not.toBe(pool(instance));
    expect(replacement.tags).toMatchObject({
      "annex:id": annex.id,
      "annex:lease-expires": reset.body.annex.leaseExpiresAt,
    });
    await waitFor(
      "the replacement to join",
      () => simulator.get(replacement.instanceId)?.phase === "joined",
    );
    const shown = (await status("Replaced")).instances.find((i) => i.id === replacement.instanceId);
    expect(shown).toMatchObject({ joined: true, replacementFor: instance.instanceId });
    await stack.runScheduled();
    expect(tagged(annex.id)).toHaveLength(2);
    await api("DELETE", "/annexes/Replaced");
  });

  it("without replaceInterrupted, gets none", async () => {
    const { annex, instance } = await joinedFleet("NotReplaced");
    control().interruptSpot(instance.instanceId, { warningSeconds: 600 });
    await waitFor("the drain", async () => (await drains(instance.instanceId)).length > 0);
    await stack.runScheduled();
    expect(tagged(annex.id).map((i) => i.instanceId)).toEqual([instance.instanceId]);
    await api("DELETE", "/annexes/NotReplaced");
  });

  it("drains the same way in a spot-fleet annex", async () => {
    const created = await api<{ annex: Annex }>(
      "POST",
      "/annexes",
      spotRequest("SpotDrained", { slots: 2 }),
    );
    expect(created.status).toBe(201);
    const [instance] = tagged(created.body.annex.id);
    if (instance === undefined) throw new Error("no instance launched");
    await waitFor(
      "the instance to join",
      () => simulator.get(instance.instanceId)?.phase === "joined",
    );
    control().interruptSpot(instance.instanceId, { warningSeconds: 600 });
    await waitFor("the drain", async () => (await drains(instance.instanceId)).length > 0);
    expect((await status("SpotDrained")).instances[0]?.interruption).toBe("spot-interruption");
    await api("DELETE", "/annexes/SpotDrained");
  });

  it("re-arms the instance's own power-off when the lease is reset", async () => {
    const { instance } = await joinedFleet("Rearmed");
    const reset = await api<{ annex: Annex }>("PATCH", "/annexes/Rearmed", { durationHours: 2 });
    const lease = Math.floor(Date.parse(reset.body.annex.leaseExpiresAt) / 1000);
    const sandbox = simulator.get(instance.instanceId)?.sandbox;
    await waitFor("the new power-off timer", async () =>
      ((await sandbox?.timers()) ?? []).some((t) => t.unit === `cloud-annex-lease-${lease}`),
    );
    expect(control().instance(instance.instanceId)?.tags["annex:lease-expires"]).toBe(
      reset.body.annex.leaseExpiresAt,
    );
    await api("DELETE", "/annexes/Rearmed");
  });
});
