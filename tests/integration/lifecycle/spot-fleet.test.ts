import {
  DescribeInstancesCommand,
  DescribeSpotFleetRequestsCommand,
  type EC2Client,
  type SpotFleetRequestConfig,
} from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { ec2At } from "../../support/sdk.ts";
import { FLEET_CONFIG, spotRequest } from "../../support/spot-fleet.ts";
import {
  apiClient,
  POOL_PASSWORD,
  SETUP,
  startTestStack,
  TEST_IMAGE,
} from "../../support/stack.ts";

type AnnexBody = {
  annex: {
    id: string;
    kind: string;
    state: string;
    endReason?: string;
    failureReason?: string;
    requestedCount: number;
    leaseExpiresAt: string;
    instances: Array<{ id: string; type: string; state: string }>;
  };
  error?: { code: string; message: string };
};

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
afterEach(() => stack.aws.ec2.control.resetFaults());

const control = () => stack.aws.ec2.control;
const tagged = (annexId: string) =>
  control()
    .instances()
    .filter((i) => i.tags["annex:id"] === annexId);
const alive = (annexId: string) =>
  tagged(annexId).filter((i) => i.state === "pending" || i.state === "running");
const fleets = async (annexId?: string): Promise<SpotFleetRequestConfig[]> => {
  const all = (await ec2.send(new DescribeSpotFleetRequestsCommand({}))).SpotFleetRequestConfigs;
  return (all ?? []).filter(
    (f) =>
      annexId === undefined || f.Tags?.some((t) => t.Key === "annex:id" && t.Value === annexId),
  );
};
const WEIGHT: Record<string, number> = { "m5.large": 2, "m5.xlarge": 4 };

describe("spot-fleet annexes", () => {
  const request = spotRequest("SpotAnnex", { tags: { Project: "spot" } });
  let annexId = "";

  it("creates the annex with one fleet request: our capacity, lifetime, user data, profile and tags", async () => {
    const answer = await api<AnnexBody>("POST", "/annexes", request);
    expect(answer.status).toBe(201);
    const { annex } = answer.body;
    annexId = annex.id;
    expect(annex).toMatchObject({ kind: "spot-fleet", state: "provisioning", requestedCount: 6 });

    const [fleet, ...more] = await fleets(annexId);
    expect(more).toHaveLength(0);
    const config = fleet?.SpotFleetRequestConfig;
    expect(config).toMatchObject({
      TargetCapacity: 6,
      Type: "request",
      TerminateInstancesWithExpiration: true,
      IamFleetRole: FLEET_CONFIG.IamFleetRole,
    });
    expect(config?.ValidUntil?.toISOString().replace(".000Z", "Z")).toBe(annex.leaseExpiresAt);
    const fleetTags = Object.fromEntries((fleet?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(fleetTags).toMatchObject({ "annex:name": "SpotAnnex", Project: "spot" });

    const instances = tagged(annexId);
    expect(instances.length).toBeGreaterThan(0);
    // As in EC2, whole instances of the cheapest pool per unit cover the target (a weight-4 pool
    // may overshoot 6 slots by up to 3).
    const units = instances.reduce((sum, i) => sum + (WEIGHT[i.instanceType] ?? 0), 0);
    expect(units).toBeGreaterThanOrEqual(6);
    expect(units).toBeLessThan(6 + 4);
    for (const instance of instances) {
      expect(instance).toMatchObject({ lifecycle: "spot", imageId: TEST_IMAGE });
      expect(instance.fleetId).toBe(fleet?.SpotFleetRequestId);
      expect(instance.tags).toMatchObject({
        "annex:name": "SpotAnnex",
        "annex:owner": "arn:aws:iam::000000000000:user/alice",
        "annex:lease-expires": annex.leaseExpiresAt,
        Project: "spot",
      });
      expect(instance.userData).toContain(stack.apiUrl);
      expect(instance.userData).not.toContain(POOL_PASSWORD);
    }
    const described = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: instances.map((i) => i.instanceId) }),
    );
    for (const reservation of described.Reservations ?? [])
      for (const instance of reservation.Instances ?? [])
        expect(instance.IamInstanceProfile?.Arn).toContain("cloud-annex-local-instance");
  });

  it("returns the same annex and fleet for a replayed clientToken", async () => {
    const before = tagged(annexId).length;
    const replay = await api<AnnexBody>("POST", "/annexes", request);
    expect(replay.status).toBe(200);
    expect(replay.body.annex.id).toBe(annexId);
    expect(await fleets(annexId)).toHaveLength(1);
    expect(tagged(annexId)).toHaveLength(before);
  });

  it("shows the fleet's instances in status, read from EC2 by tag", async () => {
    const status = await api<AnnexBody>("GET", "/annexes/SpotAnnex");
    expect(status.status).toBe(200);
    const ids = status.body.annex.instances.map((i) => i.id).sort();
    expect(ids).toEqual(
      alive(annexId)
        .map((i) => i.instanceId)
        .sort(),
    );
  });

  it("refuses to reset the lease past the fleet's ValidUntil, and allows shortening it", async () => {
    const before = (await api<AnnexBody>("GET", "/annexes/SpotAnnex")).body.annex.leaseExpiresAt;
    const longer = await api<AnnexBody>("PATCH", "/annexes/SpotAnnex", { durationHours: 5 });
    expect(longer.status).toBe(409);
    expect(longer.body.error?.message).toContain("spot fleet");
    // Refused, so nothing changed.
    expect((await api<AnnexBody>("GET", "/annexes/SpotAnnex")).body.annex.leaseExpiresAt).toBe(
      before,
    );
    const shorter = await api<AnnexBody>("PATCH", "/annexes/SpotAnnex", { durationHours: 0.5 });
    expect(shorter.status).toBe(200);
  });

  it("off cancels the fleet, terminates its instances and ends the annex, saying which", async () => {
    const running = alive(annexId).map((i) => i.instanceId);
    expect(running.length).toBeGreaterThan(0);
    const off = await api<AnnexBody & { terminatedInstanceIds: string[] }>(
      "DELETE",
      "/annexes/SpotAnnex",
    );
    expect(off.status).toBe(200);
    expect(off.body.annex).toMatchObject({ state: "ended", endReason: "off" });
    // Counted by the annex:id tag in EC2, not by which instances bootstrapped (none did here).
    expect(off.body.terminatedInstanceIds.sort()).toEqual(running.sort());
    expect(alive(annexId)).toHaveLength(0);
    const [fleet] = await fleets(annexId);
    expect(fleet?.SpotFleetRequestState).toMatch(/^cancelled/);
    const again = await api<AnnexBody & { terminatedInstanceIds: string[] }>(
      "DELETE",
      "/annexes/SpotAnnex",
    );
    expect(again.body.annex).toMatchObject({ state: "ended", endReason: "off" });
    expect(again.body.terminatedInstanceIds).toEqual([]);
  });

  it.each([
    ["slots 0", { slots: 0 }],
    [
      "a config naming another fleet role than the stage's",
      {
        spotFleetConfig: {
          ...FLEET_CONFIG,
          IamFleetRole: "arn:aws:iam::000000000000:role/another-fleet-role",
        },
      },
    ],
    [
      "launch templates",
      {
        spotFleetConfig: {
          IamFleetRole: FLEET_CONFIG.IamFleetRole,
          LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: "x" } }],
        },
      },
    ],
  ])("answers 422 and writes nothing for %s", async (_, overrides) => {
    const before = (await fleets()).length;
    const answer = await api<AnnexBody>("POST", "/annexes", spotRequest("SpotInvalid", overrides));
    expect(answer.status).toBe(422);
    expect(answer.body.annex).toBeUndefined();
    expect((await api("GET", "/annexes/SpotInvalid")).status).toBe(404);
    expect(await fleets()).toHaveLength(before);
  });

  it("names the role to use when a config names another fleet role", async () => {
    const other = "arn:aws:iam::000000000000:role/another-fleet-role";
    const answer = await api<AnnexBody & { error: { issues: unknown[] } }>(
      "POST",
      "/annexes",
      spotRequest("SpotOtherRole", { spotFleetConfig: { ...FLEET_CONFIG, IamFleetRole: other } }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.error.issues).toEqual([
      {
        path: "spotFleetConfig.IamFleetRole",
        message: `must be ${FLEET_CONFIG.IamFleetRole}, the only Spot Fleet role this service may pass (or leave IamFleetRole out to use it)`,
      },
    ]);
  });

  it("sends the stage's fleet role for a config without IamFleetRole", async () => {
    const { IamFleetRole: _, ...roleless } = FLEET_CONFIG;
    const answer = await api<AnnexBody>(
      "POST",
      "/annexes",
      spotRequest("SpotNoRole", { spotFleetConfig: roleless }),
    );
    expect(answer.status).toBe(201);
    const [fleet] = await fleets(answer.body.annex.id);
    expect(fleet?.SpotFleetRequestConfig?.IamFleetRole).toBe(
      "arn:aws:iam::000000000000:role/aws-ec2-spot-fleet-tagging-role",
    );
    expect((await api("DELETE", "/annexes/SpotNoRole")).status).toBe(200);
  });

  it("leaves the annex failed with nothing running when EC2 has no capacity", async () => {
    control().failNext("RequestSpotFleet", {
      count: 10,
      code: "InsufficientInstanceCapacity",
      status: 500,
    });
    const before = (await fleets()).length;
    const answer = await api<AnnexBody>("POST", "/annexes", spotRequest("SpotNoCapacity"));
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe("InsufficientCapacity");
    expect(answer.body.annex).toMatchObject({ state: "ended", endReason: "failed" });
    expect(alive(answer.body.annex.id)).toHaveLength(0);
    expect(await fleets()).toHaveLength(before);
  });
});
