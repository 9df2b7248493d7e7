import {
  DescribeFleetsCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InstanceSummary } from "../../../local/ec2/index.ts";
import type { LocalStack } from "../../../local/stack.ts";
import { FLEET_TYPES, fleetRequest, spotPoolsByUnitPrice } from "../../support/fleet.ts";
import { ec2At } from "../../support/sdk.ts";
import { apiClient, POOL_PASSWORD, SETUP, startTestStack } from "../../support/stack.ts";

interface FleetAnswer {
  annex: {
    id: string;
    kind: string;
    state: string;
    endReason?: string;
    failureReason?: string;
    requestedCount: number;
    instances: Array<{ id: string; type: string; availabilityZone?: string; market?: string }>;
    fleet?: {
      capacityUnit: string;
      targetCapacity: number;
      fulfilledCapacity: number;
      pools: Array<{
        instanceType: string;
        availabilityZone: string;
        market: string;
        instances: number;
        capacity: number;
      }>;
      launch?: { asked: Record<string, number>; got: Record<string, number>; fellBack: number };
    };
    events?: Array<{ type: string; message: string }>;
  };
  error?: { code: string; message: string };
}

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let ec2: EC2Client;
beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack);
  ec2 = ec2At(stack.awsEndpoint);
  expect((await api("POST", "/setup", SETUP)).status).toBe(200);
});
afterAll(async () => {
  ec2.destroy();
  await stack.stop();
});
afterEach(() => control().resetFaults());

const control = () => stack.aws.ec2.control;
const tagged = (annexId: string): InstanceSummary[] =>
  control()
    .instances()
    .filter((i) => i.tags["annex:id"] === annexId);
const alive = (annexId: string) =>
  tagged(annexId).filter((i) => i.state === "pending" || i.state === "running");
const pool = (i: InstanceSummary) => `${i.instanceType}@${i.availabilityZone}`;
const vcpus = (instances: InstanceSummary[]) =>
  instances.reduce((sum, i) => sum + FLEET_TYPES[i.instanceType as keyof typeof FLEET_TYPES], 0);
const fleetsOf = async (annexId: string) =>
  ((await ec2.send(new DescribeFleetsCommand({}))).Fleets ?? []).filter((f) =>
    f.Tags?.some((t) => t.Key === "annex:id" && t.Value === annexId),
  );
const templatesOf = async (annexId: string) =>
  (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates?.filter((t) =>
    t.Tags?.some((tag) => tag.Key === "annex:id" && tag.Value === annexId),
  ) ?? [];
const cheapestType = () => (spotPoolsByUnitPrice(control())[0] ?? "").split("@")[0] ?? "";

describe("fleet annexes: a 100-vCPU fleet over three types", () => {
  it("fills from the cheapest pool per vCPU, on spot, through its own launch template", async () => {
    const answer = await api<FleetAnswer>("POST", "/annexes", fleetRequest("Cheapest"));
    expect(answer.status).toBe(201);
    const { annex } = answer.body;
    expect(annex).toMatchObject({ kind: "fleet", state: "provisioning", requestedCount: 100 });
    const instances = alive(annex.id);
    const [cheapest] = spotPoolsByUnitPrice(control());
    expect(new Set(instances.map(pool))).toEqual(new Set([cheapest]));
    expect(vcpus(instances)).toBe(100);
    expect(instances.every((i) => i.lifecycle === "spot")).toBe(true);
    expect(annex.fleet).toMatchObject({
      capacityUnit: "vcpu",
      targetCapacity: 100,
      fulfilledCapacity: 100,
    });
    expect(annex.fleet?.pools).toEqual([
      expect.objectContaining({ market: "spot", instances: instances.length, capacity: 100 }),
    ]);
    expect(annex.instances.every((i) => i.market === "spot" && i.availabilityZone)).toBe(true);

    const [template, ...more] = await templatesOf(annex.id);
    expect(more).toEqual([]);
    expect(template?.LaunchTemplateName).toBe(`cloud-annex-${annex.id}`);
    for (const instance of instances) {
      expect(instance.fleetId).toMatch(/^fleet-/);
      expect(instance.tags).toMatchObject({
        "annex:id": annex.id,
        "annex:name": "Cheapest",
        "annex:lease-expires": expect.stringMatching(/Z$/),
      });
      expect(instance.userData).toContain(stack.apiUrl);
      expect(instance.userData).not.toContain(POOL_PASSWORD);
      expect(instance.iamInstanceProfileArn).toContain("cloud-annex-local-instance");
      expect(instance.shutdownBehavior).toBe("terminate");
    }
  });

  it("fills from the next cheapest type when the cheapest has no spot capacity", async () => {
    const skipped = cheapestType();
    control().setCapacity({ type: skipped, market: "spot" }, 0);
    const answer = await api<FleetAnswer>("POST", "/annexes", fleetRequest("NextCheapest"));
    expect(answer.status).toBe(201);
    const instances = alive(answer.body.annex.id);
    const next = spotPoolsByUnitPrice(control()).find((p) => !p.startsWith(`${skipped}@`));
    expect(new Set(instances.map(pool))).toEqual(new Set([next]));
    expect(vcpus(instances)).toBe(100);
  });

  it("falls back to on-demand for what spot cannot fill, and says so", async () => {
    for (const type of Object.keys(FLEET_TYPES)) control().setCapacity({ type, market: "spot" }, 0);
    const answer = await api<FleetAnswer>("POST", "/annexes", fleetRequest("FallBack"));
    expect(answer.status).toBe(201);
    const { annex } = answer.body;
    const instances = alive(annex.id);
    expect(instances.length).toBeGreaterThan(0);
    expect(instances.every((i) => i.lifecycle === "on-demand")).toBe(true);
    expect(vcpus(instances)).toBe(100);
    expect(annex.fleet?.launch).toMatchObject({
      asked: { spot: 100, "on-demand": 100 },
      got: { spot: 0, "on-demand": 100 },
      fellBack: 100,
    });
    const history = await api<FleetAnswer>("GET", "/annexes/FallBack");
    expect(history.body.annex.events?.map((e) => e.type)).toContain("fell-back");
  });

  it("refuses a spot-only fleet with a clear 503 when spot has no capacity, leaving nothing", async () => {
    for (const type of Object.keys(FLEET_TYPES)) control().setCapacity({ type, market: "spot" }, 0);
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("SpotOnly", {}, { onDemandFallback: false }),
    );
    expect(answer.status).toBe(503);
    expect(answer.body.error?.message).toMatch(/no capacity.*spot only/);
    const { annex } = answer.body;
    expect(annex).toMatchObject({ state: "ended", endReason: "failed" });
    expect(tagged(annex.id)).toEqual([]);
    expect(await templatesOf(annex.id)).toEqual([]);
    for (const fleet of await fleetsOf(annex.id)) expect(fleet.FleetState).toMatch(/^deleted/);
  });
});
