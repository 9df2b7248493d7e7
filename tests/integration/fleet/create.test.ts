import { readFileSync } from "node:fs";
import {
  DescribeFleetsCommand,
  DescribeInstanceTypesCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InstanceSummary } from "../../../local/ec2/index.ts";
import { LOCAL_NAMES, type LocalStack } from "../../../local/stack.ts";
import { DynamoDbCapacityMemory } from "../../../shared/adapters/aws/capacity-memory.ts";
import { CAPACITY_ERROR_MEMORY_SECONDS } from "../../../shared/domain/fleet.ts";
import { FLEET_TYPES, fleetRequest, spotPoolsByUnitPrice } from "../../support/fleet.ts";
import { dynamoDbAt, ec2At } from "../../support/sdk.ts";
import {
  apiClient,
  POOL_PASSWORD,
  SETUP,
  startTestStack,
  TEST_IMAGE,
} from "../../support/stack.ts";

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
      launch?: {
        asked: Record<string, number>;
        got: Record<string, number>;
        fellBack: number;
        pools: Array<{ market: string; capacity: number }>;
      };
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
  // One annex here expires in seconds: below the pool's default shortest lease and idle timeout.
  const limits = { minDurationHours: 0.001, minIdleHours: 0.001 };
  expect((await api("POST", "/setup", { ...SETUP, limits })).status).toBe(200);
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

describe("fleet annexes: other ways to ask", () => {
  it("selects types by vCPU and memory-per-vCPU ranges, counting capacity in vCPUs", async () => {
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("Ranges", {
        cores: 16,
        fleet: { vcpus: { min: 2, max: 8 }, memoryPerVcpuGiB: { min: 2, max: 4 } },
      }),
    );
    expect(answer.status).toBe(201);
    const { annex } = answer.body;
    const instances = alive(annex.id);
    expect(instances.length).toBeGreaterThan(0);
    const described = await ec2.send(
      new DescribeInstanceTypesCommand({
        InstanceTypes: [...new Set(instances.map((i) => i.instanceType))] as never,
      }),
    );
    for (const info of described.InstanceTypes ?? []) {
      const cpus = info.VCpuInfo?.DefaultVCpus ?? 0;
      const gibPerCpu = (info.MemoryInfo?.SizeInMiB ?? 0) / 1024 / cpus;
      expect(cpus).toBeGreaterThanOrEqual(2);
      expect(cpus).toBeLessThanOrEqual(8);
      expect(gibPerCpu).toBeGreaterThanOrEqual(2);
      expect(gibPerCpu).toBeLessThanOrEqual(4);
    }
    expect(annex.fleet?.fulfilledCapacity).toBeGreaterThanOrEqual(16);
    expect(annex.fleet?.fulfilledCapacity).toBeLessThan(16 + 8);
    expect(annex.fleet?.pools.reduce((n, p) => n + p.instances, 0)).toBe(instances.length);
  });

  it("counts capacity in instances with count", async () => {
    const { cores: _, ...byCount } = fleetRequest("ByCount");
    const answer = await api<FleetAnswer>("POST", "/annexes", { ...byCount, count: 3 });
    expect(answer.status).toBe(201);
    expect(alive(answer.body.annex.id)).toHaveLength(3);
    expect(answer.body.annex.fleet).toMatchObject({
      capacityUnit: "instance",
      fulfilledCapacity: 3,
    });
  });

  it("launches the on-demand share on demand with spotPercent", async () => {
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("HalfSpot", { cores: 20 }, { spotPercent: 50 }),
    );
    expect(answer.status).toBe(201);
    const instances = alive(answer.body.annex.id);
    const spot = instances.filter((i) => i.lifecycle === "spot");
    const onDemand = instances.filter((i) => i.lifecycle === "on-demand");
    expect([vcpus(spot), vcpus(onDemand)]).toEqual([10, 10]);
  });
});

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

  it("keeps what a spot-only fleet got when spot is short, and reports the partial capacity", async () => {
    for (const type of Object.keys(FLEET_TYPES)) control().setCapacity({ type, market: "spot" }, 3);
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("SpotPartial", {}, { onDemandFallback: false }),
    );
    expect(answer.status).toBe(201);
    const { annex } = answer.body;
    const instances = alive(annex.id);
    expect(instances.length).toBeGreaterThan(0);
    expect(instances.every((i) => i.lifecycle === "spot")).toBe(true);
    expect(annex.fleet?.fulfilledCapacity).toBe(vcpus(instances));
    expect(annex.fleet?.fulfilledCapacity).toBeLessThan(100);
    expect(annex.fleet?.launch).toMatchObject({ asked: { "on-demand": 0 }, fellBack: 0 });
    const events = (await api<FleetAnswer>("GET", "/annexes/SpotPartial")).body.annex.events;
    expect(events?.map((e) => e.type)).toEqual(
      expect.arrayContaining(["launched", "capacity-errors", "partial-capacity"]),
    );
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
    const gave = annex.fleet?.launch?.pools ?? [];
    expect(gave.reduce((n, p) => n + p.capacity, 0)).toBe(100);
    expect(gave.every((p) => p.market === "on-demand")).toBe(true);
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

  it("remembers the pools short of capacity and skips them for a while, whatever EC2 has now", async () => {
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("Remembered", { cores: 10 }),
    );
    expect(answer.status).toBe(201);
    const instances = alive(answer.body.annex.id);
    expect(instances.every((i) => i.lifecycle === "on-demand")).toBe(true);
    expect(answer.body.annex.fleet?.launch).toMatchObject({ got: { spot: 0 }, fellBack: 10 });
  });
});

describe("fleet annexes: a direct invocation", () => {
  it("creates one from the sample event in events/direct", async () => {
    const sample = JSON.parse(readFileSync("events/direct/create-fleet-annex.json", "utf8"));
    const created = (await stack.invoke("create-annex", { ...sample, imageId: TEST_IMAGE })) as {
      annex: FleetAnswer["annex"];
    };
    expect(created.annex).toMatchObject({ kind: "fleet", state: "provisioning" });
    expect(created.annex.fleet?.fulfilledCapacity).toBeGreaterThanOrEqual(16);
  });
});

describe("fleet annexes: refused requests leave nothing", () => {
  const nothingNamed = async (name: string) => {
    expect((await api("GET", `/annexes/${name}`)).status).toBe(404);
    const names = control()
      .instances()
      .map((i) => i.tags["annex:name"]);
    expect(names).not.toContain(name);
  };

  it("refuses an instance type EC2 does not have, naming it", async () => {
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("BadType", {}, { instanceTypes: ["c5.large", "c9.mega"] }),
    );
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("fleet.instanceTypes[1]");
    expect(answer.text).toContain("c9.mega");
    await nothingNamed("BadType");
  });

  it("refuses more vCPUs than the pool's count limit allows in instances", async () => {
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("TooBig", { cores: 101 }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.error?.message).toContain("cores: 101 vCPUs may take up to 51 instances");
    await nothingNamed("TooBig");
  });

  it("refuses ranges no instance type matches", async () => {
    const answer = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("NoMatch", { fleet: { vcpus: { min: 1000 } } }),
    );
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("fleet.vcpus");
    await nothingNamed("NoMatch");
  });
});

describe("fleet annexes: the end leaves no instance, fleet or launch template", () => {
  const nothingLeft = async (annexId: string) => {
    expect(alive(annexId)).toEqual([]);
    const fleets = await fleetsOf(annexId);
    expect(fleets.length).toBeGreaterThan(0);
    for (const fleet of fleets) expect(fleet.FleetState).toMatch(/^deleted/);
    expect(await templatesOf(annexId)).toEqual([]);
  };

  it("off deletes the fleets with their instances and the launch template", async () => {
    const created = await api<FleetAnswer>(
      "POST",
      "/annexes",
      fleetRequest("Off", { cores: 10 }, { spotPercent: 50 }),
    );
    expect(created.status).toBe(201);
    const off = await api<FleetAnswer>("DELETE", "/annexes/Off");
    expect(off.body.annex).toMatchObject({ state: "ended", endReason: "off" });
    await nothingLeft(created.body.annex.id);
  });

  it("a reset moves every instance's lease tag", async () => {
    const created = await api<FleetAnswer>("POST", "/annexes", fleetRequest("Reset", { cores: 6 }));
    const reset = await api<{ annex: { leaseExpiresAt: string } }>("PATCH", "/annexes/Reset", {
      durationHours: 3,
    });
    expect(reset.status).toBe(200);
    const tags = alive(created.body.annex.id).map((i) => i.tags["annex:lease-expires"]);
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set([reset.body.annex.leaseExpiresAt]));
  });

  it("expiry ends it the same way, even when a crash left its instances unrecorded", async () => {
    const request = fleetRequest("Crash", {
      cores: 8,
      durationHours: 0.002,
      idleHours: 0.001,
      fleet: { vcpus: { min: 2, max: 4 } },
    });
    // The vCPUs of the types launched are read after CreateFleet: failing there stops the create
    // after its instances exist and before they are recorded.
    control().failNext("DescribeInstanceTypes", { count: 20, code: "InternalError", status: 500 });
    const failed = await api<FleetAnswer>("POST", "/annexes", request);
    expect(failed.status).toBe(503);
    control().resetFaults();
    const annexId = (await api<FleetAnswer>("GET", "/annexes/Crash")).body.annex.id;
    const launched = alive(annexId);
    expect(launched.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 7_500));
    await stack.runScheduled();
    expect((await api<FleetAnswer>("GET", "/annexes/Crash")).body.annex).toMatchObject({
      state: "ended",
      endReason: "expired",
    });
    await nothingLeft(annexId);
  });

  it("a replayed create after a crash resumes with the same instances, never a second set", async () => {
    const request = fleetRequest("Replay", { cores: 8, fleet: { vcpus: { min: 2, max: 4 } } });
    control().failNext("DescribeInstanceTypes", { count: 20, code: "InternalError", status: 500 });
    expect((await api<FleetAnswer>("POST", "/annexes", request)).status).toBe(503);
    control().resetFaults();
    const annexId = (await api<FleetAnswer>("GET", "/annexes/Replay")).body.annex.id;
    const before = alive(annexId)
      .map((i) => i.instanceId)
      .sort();
    const replay = await api<FleetAnswer>("POST", "/annexes", request);
    expect(replay.status).toBe(200);
    expect(replay.body.annex.state).toBe("provisioning");
    expect(
      alive(annexId)
        .map((i) => i.instanceId)
        .sort(),
    ).toEqual(before);
    expect(replay.body.annex.instances.map((i) => i.id).sort()).toEqual(before);
  });
});

describe("the memory of pools short of capacity (DynamoDB, shared by every function)", () => {
  it("holds a pool for three minutes after its last error, then forgets it", async () => {
    const memory = new DynamoDbCapacityMemory(
      DynamoDBDocumentClient.from(dynamoDbAt(stack.awsEndpoint)),
      LOCAL_NAMES.table,
    );
    const pool = {
      instanceType: "r5.large",
      availabilityZone: "us-east-1f",
      market: "spot" as const,
    };
    const at = 2_000_000_000;
    await memory.remember([pool], at);
    expect(await memory.recent(at + CAPACITY_ERROR_MEMORY_SECONDS - 1)).toContainEqual(pool);
    expect(await memory.recent(at + CAPACITY_ERROR_MEMORY_SECONDS)).not.toContainEqual(pool);
    await memory.remember([pool], at + 170);
    expect(await memory.recent(at + CAPACITY_ERROR_MEMORY_SECONDS + 100)).toContainEqual(pool);
  });
});
