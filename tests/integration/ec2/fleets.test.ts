import {
  CancelSpotFleetRequestsCommand,
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DeleteFleetsCommand,
  DeleteLaunchTemplateCommand,
  DescribeFleetInstancesCommand,
  DescribeFleetsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSpotFleetInstancesCommand,
  DescribeSpotFleetRequestsCommand,
  type EC2Client,
  type Instance,
  RequestSpotFleetCommand,
  type SpotFleetLaunchSpecification,
  type SpotFleetRequestConfigData,
} from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { base64, ec2Error, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;
let seq = 0;

beforeAll(async () => {
  t = await startEc2({ delays: { pendingMs: 1000, shuttingDownMs: 1000 } });
  ec2 = t.client();
});
afterAll(() => t.stop());
afterEach(() => t.emulator.control.resetFaults());

const spec = (type: string, weight: number, extra: Partial<SpotFleetLaunchSpecification> = {}) =>
  ({
    ImageId: "ami-12345678",
    InstanceType: type,
    WeightedCapacity: weight,
    ...extra,
  }) as SpotFleetLaunchSpecification;

const config = (extra: Partial<SpotFleetRequestConfigData> = {}): SpotFleetRequestConfigData => ({
  IamFleetRole: "arn:aws:iam::000000000000:role/aws-ec2-spot-fleet-tagging-role",
  TargetCapacity: 5,
  LaunchSpecifications: [spec("c5.large", 2), spec("m5.large", 1)],
  ...extra,
});

const requestFleet = async (extra: Partial<SpotFleetRequestConfigData> = {}) =>
  (await ec2.send(new RequestSpotFleetCommand({ SpotFleetRequestConfig: config(extra) })))
    .SpotFleetRequestId ?? "";

async function fleetInstances(fleetId: string): Promise<Instance[]> {
  const out = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [{ Name: "tag:aws:ec2spot:fleet-request-id", Values: [fleetId] }],
    }),
  );
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

const fleetState = async (id: string) =>
  (await ec2.send(new DescribeSpotFleetRequestsCommand({ SpotFleetRequestIds: [id] })))
    .SpotFleetRequestConfigs?.[0];

describe("RequestSpotFleet", () => {
  it("fills the target in weight units from the cheapest pool per unit and tags each instance", async () => {
    const id = await requestFleet({
      LaunchSpecifications: [
        spec("c5.large", 2, {
          TagSpecifications: [
            { ResourceType: "instance", Tags: [{ Key: "annex:id", Value: "F-1" }] },
          ],
          UserData: base64("boot"),
        }),
        spec("m5.large", 1),
      ],
    });
    expect(id).toMatch(/^sfr-[0-9a-f-]{36}$/);
    const instances = await fleetInstances(id);
    expect(instances.map((i) => i.InstanceType)).toEqual(["c5.large", "c5.large", "c5.large"]);
    expect(
      instances.every(
        (i) => i.InstanceLifecycle === "spot" && i.SpotInstanceRequestId?.startsWith("sir-"),
      ),
    ).toBe(true);
    expect(instances[0]?.Tags).toContainEqual({ Key: "annex:id", Value: "F-1" });
    const described = await fleetState(id);
    expect(described).toMatchObject({
      SpotFleetRequestState: "active",
      ActivityStatus: "fulfilled",
    });
    expect(described?.SpotFleetRequestConfig?.FulfilledCapacity).toBe(6);
    expect(described?.SpotFleetRequestConfig?.LaunchSpecifications?.[0]?.UserData).toBe(
      base64("boot"),
    );
    const active = await ec2.send(
      new DescribeSpotFleetInstancesCommand({ SpotFleetRequestId: id }),
    );
    expect(active.ActiveInstances?.map((i) => i.InstanceId).sort()).toEqual(
      instances.map((i) => i.InstanceId).sort(),
    );
  });

  it("moves to the next pool when the cheapest runs out of capacity", async () => {
    t.emulator.control.setCapacity("c5.large", 1);
    const id = await requestFleet();
    const types = (await fleetInstances(id)).map((i) => i.InstanceType).sort();
    expect(types).toEqual(["c5.large", "m5.large", "m5.large", "m5.large"]);
  });

  it("spreads instances over pools with the diversified strategy", async () => {
    const inZone = { Placement: { AvailabilityZone: "us-east-1a" } };
    const id = await requestFleet({
      AllocationStrategy: "diversified",
      TargetCapacity: 4,
      LaunchSpecifications: [spec("c5.large", 1, inZone), spec("m5.large", 1, inZone)],
    });
    const types = (await fleetInstances(id)).map((i) => i.InstanceType).sort();
    expect(types).toEqual(["c5.large", "c5.large", "m5.large", "m5.large"]);
  });

  it("without a subnet or zone, lets EC2 choose among every zone's pool", async () => {
    const diversified = await requestFleet({
      AllocationStrategy: "diversified",
      TargetCapacity: 6,
      LaunchSpecifications: [spec("m5.large", 1)],
    });
    const zones = (await fleetInstances(diversified)).map((i) => i.Placement?.AvailabilityZone);
    expect(new Set(zones).size).toBe(6);
    const cheapest = await requestFleet({
      TargetCapacity: 3,
      LaunchSpecifications: [spec("m5.large", 1)],
    });
    const prices = t.emulator.control.spotPrices("m5.large");
    const lowest = Object.entries(prices).sort(([, a], [, b]) => a - b)[0]?.[0];
    const placed = (await fleetInstances(cheapest)).map((i) => i.Placement?.AvailabilityZone);
    expect(placed).toEqual([lowest, lowest, lowest]);
  });

  it("launches nothing from a pool priced above the maximum, and says pending_fulfillment", async () => {
    const id = await requestFleet({ SpotPrice: "0.001" });
    expect(await fleetInstances(id)).toEqual([]);
    expect((await fleetState(id))?.ActivityStatus).toBe("pending_fulfillment");
  });

  it("returns the same request for a repeated client token, and a mismatch for other parameters", async () => {
    const token = `sfr-token-${++seq}`;
    const first = await requestFleet({ ClientToken: token });
    expect(await requestFleet({ ClientToken: token })).toBe(first);
    await ec2Error(
      ec2.send(
        new RequestSpotFleetCommand({
          SpotFleetRequestConfig: config({ ClientToken: token, TargetCapacity: 9 }),
        }),
      ),
      "IdempotentParameterMismatch",
    );
  });

  it("checks the configuration", async () => {
    await ec2Error(
      ec2.send(
        new RequestSpotFleetCommand({
          SpotFleetRequestConfig: { ...config(), IamFleetRole: undefined },
        }),
      ),
      "MissingParameter",
    );
    await ec2Error(
      ec2.send(
        new RequestSpotFleetCommand({
          SpotFleetRequestConfig: config({
            LaunchSpecifications: [spec("c5.large", 1, { ImageId: "ami-bad" })],
          }),
        }),
      ),
      "InvalidAMIID.Malformed",
    );
    await ec2Error(
      ec2.send(
        new RequestSpotFleetCommand({
          SpotFleetRequestConfig: config({ LaunchSpecifications: [] }),
        }),
      ),
      "InvalidSpotFleetRequestConfig",
    );
    await ec2Error(
      ec2.send(
        new DescribeSpotFleetRequestsCommand({
          SpotFleetRequestIds: ["sfr-00000000-0000-0000-0000-000000000000"],
        }),
      ),
      "InvalidSpotFleetRequestId.NotFound",
    );
  });
});

describe("CancelSpotFleetRequests", () => {
  it("with TerminateInstances: cancelled_terminating, instances terminated, then cancelled", async () => {
    const id = await requestFleet();
    t.clock.advance(1000);
    const out = await ec2.send(
      new CancelSpotFleetRequestsCommand({ SpotFleetRequestIds: [id], TerminateInstances: true }),
    );
    expect(out.SuccessfulFleetRequests).toEqual([
      {
        SpotFleetRequestId: id,
        PreviousSpotFleetRequestState: "active",
        CurrentSpotFleetRequestState: "cancelled_terminating",
      },
    ]);
    expect((await fleetInstances(id)).map((i) => i.State?.Name)).toEqual([
      "shutting-down",
      "shutting-down",
      "shutting-down",
    ]);
    t.clock.advance(1000);
    expect((await fleetInstances(id)).map((i) => i.State?.Name)).toEqual([
      "terminated",
      "terminated",
      "terminated",
    ]);
    expect((await fleetState(id))?.SpotFleetRequestState).toBe("cancelled");
  });

  it("without TerminateInstances: cancelled_running, instances keep running", async () => {
    const id = await requestFleet();
    t.clock.advance(1000);
    const out = await ec2.send(
      new CancelSpotFleetRequestsCommand({ SpotFleetRequestIds: [id], TerminateInstances: false }),
    );
    expect(out.SuccessfulFleetRequests?.[0]?.CurrentSpotFleetRequestState).toBe(
      "cancelled_running",
    );
    t.clock.advance(5000);
    expect((await fleetInstances(id)).every((i) => i.State?.Name === "running")).toBe(true);
  });

  it("reports unknown and malformed ids per request instead of failing the call", async () => {
    const out = await ec2.send(
      new CancelSpotFleetRequestsCommand({
        SpotFleetRequestIds: ["sfr-00000000-0000-0000-0000-000000000001", "sfr-nope"],
        TerminateInstances: true,
      }),
    );
    expect(out.UnsuccessfulFleetRequests?.map((u) => u.Error?.Code)).toEqual([
      "fleetRequestIdDoesNotExist",
      "fleetRequestIdMalformed",
    ]);
  });
});

describe("spot fleet over time", () => {
  it("terminates its instances at ValidUntil when TerminateInstancesWithExpiration is set", async () => {
    const id = await requestFleet({
      ValidUntil: new Date(t.clock.now() + 60_000),
      TerminateInstancesWithExpiration: true,
    });
    t.clock.advance(60_000);
    expect((await fleetInstances(id)).every((i) => i.State?.Name === "shutting-down")).toBe(true);
    t.clock.advance(1000);
    expect((await fleetState(id))?.SpotFleetRequestState).toBe("cancelled");
  });

  it("waits for ValidFrom before launching", async () => {
    const id = await requestFleet({
      ValidFrom: new Date(t.clock.now() + 30_000),
      TargetCapacity: 1,
      LaunchSpecifications: [spec("m5.large", 1)],
    });
    expect((await fleetState(id))?.SpotFleetRequestState).toBe("submitted");
    expect(await fleetInstances(id)).toEqual([]);
    t.clock.advance(30_000);
    expect((await fleetInstances(id)).map((i) => i.InstanceType)).toEqual(["m5.large"]);
    expect((await fleetState(id))?.SpotFleetRequestState).toBe("active");
  });

  it("replaces an interrupted instance when the fleet type is maintain", async () => {
    const id = await requestFleet({
      TargetCapacity: 2,
      LaunchSpecifications: [spec("m5.large", 1)],
    });
    t.clock.advance(1000);
    const [victim] = await fleetInstances(id);
    t.emulator.control.interruptSpot(victim?.InstanceId ?? "");
    t.clock.advance(120_000);
    const states = (await fleetInstances(id)).map((i) => [
      i.InstanceId === victim?.InstanceId,
      i.State?.Name,
    ]);
    expect(states).toContainEqual([true, "shutting-down"]);
    expect(states.filter(([old, state]) => !old && state !== "shutting-down")).toHaveLength(2);
    expect((await fleetState(id))?.SpotFleetRequestConfig?.FulfilledCapacity).toBe(2);
  });

  it("does not replace interrupted instances when the fleet type is request", async () => {
    const id = await requestFleet({
      Type: "request",
      TargetCapacity: 1,
      LaunchSpecifications: [spec("m5.large", 1)],
    });
    t.clock.advance(1000);
    const [only] = await fleetInstances(id);
    t.emulator.control.interruptSpot(only?.InstanceId ?? "");
    t.clock.advance(121_000);
    expect((await fleetInstances(id)).map((i) => i.State?.Name)).toEqual(["terminated"]);
  });
});

describe("launch templates and CreateFleet", () => {
  it("creates, describes and deletes a launch template; names are unique", async () => {
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "annex-lt-1",
        LaunchTemplateData: { ImageId: "ami-12345678", InstanceType: "t3.micro" },
      }),
    );
    expect(created.LaunchTemplate?.LaunchTemplateId).toMatch(/^lt-[0-9a-f]{17}$/);
    await ec2Error(
      ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: "annex-lt-1",
          LaunchTemplateData: { InstanceType: "t3.nano" },
        }),
      ),
      "InvalidLaunchTemplateName.AlreadyExistsException",
    );
    const described = await ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ["annex-lt-1"] }),
    );
    expect(described.LaunchTemplates?.[0]?.LaunchTemplateId).toBe(
      created.LaunchTemplate?.LaunchTemplateId,
    );
    await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: "annex-lt-1" }));
    await ec2Error(
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ["annex-lt-1"] })),
      "InvalidLaunchTemplateName.NotFoundException",
    );
  });

  it("launches an instant fleet split between on-demand and spot, tagged with the fleet id", async () => {
    const lt = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "annex-fleet",
        LaunchTemplateData: {
          ImageId: "ami-12345678",
          UserData: base64("boot"),
          TagSpecifications: [
            { ResourceType: "instance", Tags: [{ Key: "annex:id", Value: "EF-1" }] },
          ],
        },
      }),
    );
    const out = await ec2.send(
      new CreateFleetCommand({
        Type: "instant",
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: {
              LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId,
              Version: "$Latest",
            },
            Overrides: [{ InstanceType: "m5.large" }, { InstanceType: "c5.large" }],
          },
        ],
        TargetCapacitySpecification: {
          TotalTargetCapacity: 4,
          OnDemandTargetCapacity: 1,
          DefaultTargetCapacityType: "spot",
        },
      }),
    );
    expect(out.FleetId).toMatch(/^fleet-[0-9a-f-]{36}$/);
    expect(out.Errors).toEqual([]);
    const byLifecycle = Object.fromEntries(
      (out.Instances ?? []).map((i) => [i.Lifecycle, [i.InstanceType, i.InstanceIds?.length]]),
    );
    expect(byLifecycle).toEqual({ "on-demand": ["c5.large", 1], spot: ["c5.large", 3] });
    const instances =
      (
        await ec2.send(
          new DescribeInstancesCommand({
            Filters: [{ Name: "tag:aws:ec2:fleet-id", Values: [out.FleetId ?? ""] }],
          }),
        )
      ).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    expect(instances).toHaveLength(4);
    expect(
      instances.every((i) => i.Tags?.some((tag) => tag.Key === "annex:id" && tag.Value === "EF-1")),
    ).toBe(true);
    const active = await ec2.send(new DescribeFleetInstancesCommand({ FleetId: out.FleetId }));
    expect(active.ActiveInstances).toHaveLength(4);
    const fleets = await ec2.send(new DescribeFleetsCommand({ FleetIds: [out.FleetId ?? ""] }));
    expect(fleets.Fleets?.[0]).toMatchObject({
      FleetState: "active",
      Type: "instant",
      FulfilledCapacity: 4,
      FulfilledOnDemandCapacity: 1,
    });
    const deleted = await ec2.send(
      new DeleteFleetsCommand({ FleetIds: [out.FleetId ?? ""], TerminateInstances: true }),
    );
    expect(deleted.SuccessfulFleetDeletions?.[0]?.CurrentFleetState).toBe("deleted_terminating");
    t.clock.advance(1000);
    expect(
      (await ec2.send(new DescribeFleetsCommand({ FleetIds: [out.FleetId ?? ""] }))).Fleets?.[0]
        ?.FleetState,
    ).toBe("deleted");
  });

  it("reports InsufficientInstanceCapacity in Errors when an instant fleet falls short", async () => {
    t.emulator.control.setCapacity("r5.large", 1);
    const lt = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `short-${++seq}`,
        LaunchTemplateData: { ImageId: "ami-12345678", InstanceType: "r5.large" },
      }),
    );
    const out = await ec2.send(
      new CreateFleetCommand({
        Type: "instant",
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: {
              LaunchTemplateName: lt.LaunchTemplate?.LaunchTemplateName,
              Version: "1",
            },
          },
        ],
        TargetCapacitySpecification: {
          TotalTargetCapacity: 3,
          DefaultTargetCapacityType: "on-demand",
        },
      }),
    );
    expect(out.Instances?.[0]?.InstanceIds).toHaveLength(1);
    expect(out.Errors?.map((e) => e.ErrorCode)).toEqual(["InsufficientInstanceCapacity"]);
  });

  it("answers IdempotentParameterMismatch or the same fleet for a repeated client token", async () => {
    const lt = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `tok-${++seq}`,
        LaunchTemplateData: { ImageId: "ami-12345678", InstanceType: "t3.micro" },
      }),
    );
    const request = (total: number) =>
      new CreateFleetCommand({
        Type: "instant",
        ClientToken: `fleet-token-${seq}`,
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: {
              LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId,
              Version: "$Default",
            },
          },
        ],
        TargetCapacitySpecification: {
          TotalTargetCapacity: total,
          DefaultTargetCapacityType: "spot",
        },
      });
    const first = await ec2.send(request(1));
    expect((await ec2.send(request(1))).FleetId).toBe(first.FleetId);
    await ec2Error(ec2.send(request(2)), "IdempotentParameterMismatch");
  });
});
