import {
  CreateFleetCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
  CreateLaunchTemplateCommand,
  DeleteFleetsCommand,
  DescribeFleetInstancesCommand,
  DescribeFleetsCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type FleetLaunchTemplateOverridesRequest,
  type Instance,
  type RequestLaunchTemplateData,
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

const IMAGE = "ami-0123456789abcdef0";

async function template(data: RequestLaunchTemplateData = {}): Promise<string> {
  const out = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `fleet-${++seq}`,
      LaunchTemplateData: { ImageId: IMAGE, ...data },
    }),
  );
  return out.LaunchTemplate?.LaunchTemplateId ?? "";
}

/** An instant fleet over `overrides`: `spot` and `onDemand` units. */
async function instant(
  overrides: FleetLaunchTemplateOverridesRequest[],
  capacity: { spot?: number; onDemand?: number },
  extra: Partial<CreateFleetCommandInput> = {},
  data: RequestLaunchTemplateData = {},
): Promise<CreateFleetCommandOutput> {
  const spot = capacity.spot ?? 0;
  const onDemand = capacity.onDemand ?? 0;
  return ec2.send(
    new CreateFleetCommand({
      Type: "instant",
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: {
            LaunchTemplateId: await template(data),
            Version: "$Latest",
          },
          Overrides: overrides,
        },
      ],
      TargetCapacitySpecification: {
        TotalTargetCapacity: spot + onDemand,
        SpotTargetCapacity: spot,
        OnDemandTargetCapacity: onDemand,
        DefaultTargetCapacityType: "spot",
      },
      ...extra,
    }),
  );
}

async function instancesOf(out: CreateFleetCommandOutput): Promise<Instance[]> {
  const ids = (out.Instances ?? []).flatMap((i) => i.InstanceIds ?? []);
  if (ids.length === 0) return [];
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  return (described.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

const pool = (i: Instance) => `${i.InstanceType}@${i.Placement?.AvailabilityZone}`;

/** Every pool of `types` with its spot price per unit (`weights`), cheapest first. */
function spotPoolsByUnitPrice(weights: Record<string, number>): string[] {
  return Object.entries(weights)
    .flatMap(([type, weight]) =>
      Object.entries(t.emulator.control.spotPrices(type)).map(([zone, price]) => ({
        pool: `${type}@${zone}`,
        perUnit: price / weight,
      })),
    )
    .sort((a, b) => a.perUnit - b.perUnit)
    .map((p) => p.pool);
}

const vcpuWeighted: FleetLaunchTemplateOverridesRequest[] = [
  { InstanceType: "c5.large", WeightedCapacity: 2 },
  { InstanceType: "m5.large", WeightedCapacity: 2 },
  { InstanceType: "c6i.xlarge", WeightedCapacity: 4 },
];
const weights = { "c5.large": 2, "m5.large": 2, "c6i.xlarge": 4 };

describe("CreateFleet (instant): spot allocation", () => {
  it("fills 100 vCPUs from the cheapest pool per vCPU, in whole instances", async () => {
    const out = await instant(vcpuWeighted, { spot: 100 });
    expect(out.Errors).toEqual([]);
    const instances = await instancesOf(out);
    const [cheapest] = spotPoolsByUnitPrice(weights);
    expect(new Set(instances.map(pool))).toEqual(new Set([cheapest]));
    const units = instances.reduce(
      (sum, i) => sum + (weights[i.InstanceType as keyof typeof weights] ?? 0),
      0,
    );
    expect(units).toBe(100);
    expect(instances.every((i) => i.InstanceLifecycle === "spot")).toBe(true);
    expect(out.Instances?.[0]).toMatchObject({
      Lifecycle: "spot",
      InstanceType: cheapest?.split("@")[0],
    });
  });

  it("moves on to the next cheapest type when the cheapest has no capacity, and reports it", async () => {
    const [cheapest] = spotPoolsByUnitPrice(weights);
    const cheapestType = cheapest?.split("@")[0] ?? "";
    t.emulator.control.setCapacity({ type: cheapestType, market: "spot" }, 0);
    const out = await instant(vcpuWeighted, { spot: 20 });
    const next = spotPoolsByUnitPrice(weights).find((p) => !p.startsWith(`${cheapestType}@`));
    expect(new Set((await instancesOf(out)).map(pool))).toEqual(new Set([next]));
    expect(out.Errors).toEqual([
      expect.objectContaining({
        Lifecycle: "spot",
        ErrorCode: "InsufficientInstanceCapacity",
        ErrorMessage: "There is no Spot capacity available that matches your request.",
        LaunchTemplateAndOverrides: expect.objectContaining({
          Overrides: expect.objectContaining({ InstanceType: cheapestType }),
        }),
      }),
    ]);
  });

  it("honours capacity per zone: a zone without spot capacity is skipped, on-demand there is not", async () => {
    const [cheapest] = spotPoolsByUnitPrice({ "c5.large": 1 });
    const zone = cheapest?.split("@")[1] ?? "";
    t.emulator.control.setCapacity({ type: "c5.large", availabilityZone: zone, market: "spot" }, 0);
    const spot = await instant([{ InstanceType: "c5.large" }], { spot: 2 });
    expect((await instancesOf(spot)).map((i) => i.Placement?.AvailabilityZone)).not.toContain(zone);
    const onDemand = await instant([{ InstanceType: "c5.large", AvailabilityZone: zone }], {
      onDemand: 1,
    });
    expect((await instancesOf(onDemand)).map(pool)).toEqual([`c5.large@${zone}`]);
  });

  it("reports every pool short when no spot capacity is left, and still launches the on-demand share", async () => {
    for (const type of Object.keys(weights))
      t.emulator.control.setCapacity({ type, market: "spot" }, 0);
    const out = await instant(vcpuWeighted, { spot: 8, onDemand: 4 });
    const instances = await instancesOf(out);
    expect(instances.every((i) => i.InstanceLifecycle === undefined)).toBe(true);
    expect(
      instances.reduce((u, i) => u + (weights[i.InstanceType as keyof typeof weights] ?? 0), 0),
    ).toBe(4);
    expect(
      out.Errors?.map((e) => [
        e.Lifecycle,
        e.ErrorCode,
        e.LaunchTemplateAndOverrides?.Overrides?.InstanceType,
      ]).sort(),
    ).toEqual([
      ["spot", "InsufficientInstanceCapacity", "c5.large"],
      ["spot", "InsufficientInstanceCapacity", "c6i.xlarge"],
      ["spot", "InsufficientInstanceCapacity", "m5.large"],
    ]);
    const [fleet] =
      (await ec2.send(new DescribeFleetsCommand({ FleetIds: [out.FleetId ?? ""] }))).Fleets ?? [];
    expect(fleet).toMatchObject({
      FulfilledCapacity: 4,
      FulfilledOnDemandCapacity: 4,
      ActivityStatus: "fulfilled",
    });
    expect(fleet?.Errors).toHaveLength(3);
  });

  it("price-capacity-optimized picks the cheapest pool deep enough; lowest-price the cheapest, then the next", async () => {
    const [cheapest, second] = spotPoolsByUnitPrice({ "c5.large": 1 });
    const [, zone] = (cheapest ?? "").split("@");
    t.emulator.control.setCapacity({ type: "c5.large", availabilityZone: zone, market: "spot" }, 2);
    const lowest = await instant(
      [{ InstanceType: "c5.large" }],
      { spot: 6 },
      { SpotOptions: { AllocationStrategy: "lowest-price" } },
    );
    const lowestPools = (await instancesOf(lowest)).map(pool);
    expect(lowestPools.filter((p) => p === cheapest)).toHaveLength(2);
    expect(lowestPools.filter((p) => p === second)).toHaveLength(4);
    t.emulator.control.setCapacity({ type: "c5.large", availabilityZone: zone, market: "spot" }, 2);
    const pco = await instant(
      [{ InstanceType: "c5.large" }],
      { spot: 6 },
      { SpotOptions: { AllocationStrategy: "price-capacity-optimized" } },
    );
    expect((await instancesOf(pco)).map(pool)).toEqual(Array(6).fill(second));
  });

  it("capacity-optimized picks the pool with the most capacity, whatever its price", async () => {
    const zones = Object.keys(t.emulator.control.spotPrices("m5.large"));
    for (const [i, zone] of zones.entries())
      t.emulator.control.setCapacity(
        { type: "m5.large", availabilityZone: zone, market: "spot" },
        10 + i,
      );
    const out = await instant(
      [{ InstanceType: "m5.large" }],
      { spot: 3 },
      { SpotOptions: { AllocationStrategy: "capacity-optimized" } },
    );
    expect((await instancesOf(out)).map(pool)).toEqual(
      Array(3).fill(`m5.large@${zones[zones.length - 1]}`),
    );
  });

  it("diversified spreads over every pool; lowest-price with InstancePoolsToUseCount over that many", async () => {
    const zoned = (type: string): FleetLaunchTemplateOverridesRequest => ({
      InstanceType: type as FleetLaunchTemplateOverridesRequest["InstanceType"],
      AvailabilityZone: "us-east-1a",
    });
    const diversified = await instant(
      [zoned("c5.large"), zoned("m5.large"), zoned("r5.large")],
      { spot: 6 },
      { SpotOptions: { AllocationStrategy: "diversified" } },
    );
    const counts = (list: Instance[]) => {
      const byPool = new Map<string, number>();
      for (const i of list) byPool.set(pool(i), (byPool.get(pool(i)) ?? 0) + 1);
      return [...byPool.values()];
    };
    expect(counts(await instancesOf(diversified))).toEqual([2, 2, 2]);
    const two = await instant(
      [{ InstanceType: "c5.large" }],
      { spot: 6 },
      { SpotOptions: { AllocationStrategy: "lowest-price", InstancePoolsToUseCount: 2 } },
    );
    const [first, second] = spotPoolsByUnitPrice({ "c5.large": 1 });
    expect((await instancesOf(two)).map(pool).sort()).toEqual(
      [...Array(3).fill(first), ...Array(3).fill(second)].sort(),
    );
  });

  it("skips pools priced above MaxPrice and reports SpotMaxPriceTooLow when nothing else fills", async () => {
    const out = await instant([{ InstanceType: "c5.large", MaxPrice: "0.001" }], { spot: 2 });
    expect(out.Instances).toEqual([]);
    expect(out.Errors?.map((e) => e.ErrorCode)).toEqual(["SpotMaxPriceTooLow"]);
  });
});

describe("CreateFleet (instant): on-demand allocation and options", () => {
  it("lowest-price takes the cheapest on-demand type; prioritized follows Priority", async () => {
    const overrides: FleetLaunchTemplateOverridesRequest[] = [
      { InstanceType: "m5.large", Priority: 0 },
      { InstanceType: "c5.large", Priority: 1 },
    ];
    const cheap = await instant(overrides, { onDemand: 2 });
    expect((await instancesOf(cheap)).map((i) => i.InstanceType)).toEqual(["c5.large", "c5.large"]);
    const prioritized = await instant(
      overrides,
      { onDemand: 2 },
      { OnDemandOptions: { AllocationStrategy: "prioritized" } },
    );
    expect((await instancesOf(prioritized)).map((i) => i.InstanceType)).toEqual([
      "m5.large",
      "m5.large",
    ]);
  });

  it("stops at MaxTotalPrice, and launches nothing below MinTargetCapacity", async () => {
    const capped = await instant(
      [{ InstanceType: "c5.large" }],
      { onDemand: 10 },
      { OnDemandOptions: { MaxTotalPrice: "0.3" } },
    );
    expect(await instancesOf(capped)).toHaveLength(3);
    for (const zone of Object.keys(t.emulator.control.spotPrices("c5.large")))
      t.emulator.control.setCapacity({ type: "c5.large", availabilityZone: zone }, 3);
    const all = await instant(
      [{ InstanceType: "c5.large" }],
      { spot: 4 },
      { SpotOptions: { SingleAvailabilityZone: true, MinTargetCapacity: 4 } },
    );
    expect(all.Instances).toEqual([]);
    expect(all.Errors?.length).toBeGreaterThan(0);
    const single = await instant(
      [{ InstanceType: "c5.large" }],
      { spot: 3 },
      { SpotOptions: { SingleAvailabilityZone: true, MinTargetCapacity: 3 } },
    );
    expect(
      new Set((await instancesOf(single)).map((i) => i.Placement?.AvailabilityZone)).size,
    ).toBe(1);
  });

  it("gives a tag key in both the template and the request the request's value, once", async () => {
    const out = await instant(
      [{ InstanceType: "t3.micro" }],
      { onDemand: 1 },
      {
        TagSpecifications: [
          { ResourceType: "instance", Tags: [{ Key: "annex:lease-expires", Value: "later" }] },
        ],
      },
      {
        TagSpecifications: [
          {
            ResourceType: "instance",
            Tags: [
              { Key: "annex:id", Value: "F-10" },
              { Key: "annex:lease-expires", Value: "sooner" },
            ],
          },
        ],
      },
    );
    const [instance] = await instancesOf(out);
    const keys = (instance?.Tags ?? []).map((tag) => tag.Key).filter((k) => !k?.startsWith("aws:"));
    expect(keys.sort()).toEqual(["annex:id", "annex:lease-expires"]);
    expect(instance?.Tags).toContainEqual({ Key: "annex:lease-expires", Value: "later" });
  });

  it("applies the template's user data, profile, tags and metadata options, and the request's tags", async () => {
    const out = await instant(
      [{ InstanceType: "t3.micro" }],
      { onDemand: 1, spot: 1 },
      {
        TagSpecifications: [
          { ResourceType: "fleet", Tags: [{ Key: "annex:id", Value: "F-9" }] },
          { ResourceType: "instance", Tags: [{ Key: "annex:name", Value: "Nine" }] },
        ],
      },
      {
        UserData: base64("#!/bin/sh\necho boot"),
        IamInstanceProfile: { Name: "annex-instance" },
        MetadataOptions: { HttpTokens: "required", InstanceMetadataTags: "enabled" },
        TagSpecifications: [
          { ResourceType: "instance", Tags: [{ Key: "annex:id", Value: "F-9" }] },
        ],
      },
    );
    const instances = await instancesOf(out);
    expect(instances).toHaveLength(2);
    for (const i of instances) {
      const tags = Object.fromEntries((i.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
      expect(tags).toEqual({
        "annex:id": "F-9",
        "annex:name": "Nine",
        "aws:ec2:fleet-id": out.FleetId,
      });
      expect(i.IamInstanceProfile?.Arn).toBe(
        "arn:aws:iam::000000000000:instance-profile/annex-instance",
      );
      expect(i.MetadataOptions).toMatchObject({
        HttpTokens: "required",
        InstanceMetadataTags: "enabled",
      });
      expect(t.emulator.control.instance(i.InstanceId ?? "")?.userData).toBe(
        "#!/bin/sh\necho boot",
      );
    }
    const [fleet] =
      (await ec2.send(new DescribeFleetsCommand({ FleetIds: [out.FleetId ?? ""] }))).Fleets ?? [];
    expect(fleet?.Tags).toEqual([{ Key: "annex:id", Value: "F-9" }]);
    const active = await ec2.send(new DescribeFleetInstancesCommand({ FleetId: out.FleetId }));
    expect(active.ActiveInstances?.map((i) => i.InstanceId).sort()).toEqual(
      instances.map((i) => i.InstanceId).sort(),
    );
  });

  it("selects types by attributes, weights them by vCPU, and protects on-demand from pricier types", async () => {
    const requirements = { VCpuCount: { Min: 2, Max: 4 }, MemoryMiB: { Min: 4096 } };
    const out = await ec2.send(
      new CreateFleetCommand({
        Type: "instant",
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: { LaunchTemplateId: await template(), Version: "1" },
            Overrides: [{ InstanceRequirements: requirements }],
          },
        ],
        TargetCapacitySpecification: {
          TotalTargetCapacity: 8,
          DefaultTargetCapacityType: "on-demand",
          TargetCapacityUnitType: "vcpu",
        },
      }),
    );
    const instances = await instancesOf(out);
    const vcpus = instances.reduce(
      (sum, i) => sum + (i.InstanceType?.endsWith(".xlarge") ? 4 : 2),
      0,
    );
    expect(vcpus).toBeGreaterThanOrEqual(8);
    // c5a.large is the cheapest x86 type with 2–4 vCPUs and 4 GiB or more (arm types need an arm64 image).
    expect(out.Instances?.[0]).toMatchObject({ InstanceType: "c5a.large", Lifecycle: "on-demand" });
    expect(out.Instances?.[0]?.LaunchTemplateAndOverrides?.Overrides).toMatchObject({
      InstanceType: "c5a.large",
      InstanceRequirements: requirements,
    });
    t.emulator.control.setImageArchitecture("ami-0aaaaaaaaaaaaaaa1", "arm64");
    const arm = await instant(
      [{ InstanceRequirements: requirements }],
      { onDemand: 1 },
      {},
      { ImageId: "ami-0aaaaaaaaaaaaaaa1" },
    );
    expect((await instancesOf(arm)).map((i) => i.Architecture)).toEqual(["arm64"]);
  });

  it("reports an override whose type cannot run the image as InvalidFleetConfiguration", async () => {
    const out = await instant([{ InstanceType: "m6g.large" }, { InstanceType: "m5.large" }], {
      onDemand: 1,
    });
    expect((await instancesOf(out)).map((i) => i.InstanceType)).toEqual(["m5.large"]);
    expect(out.Errors).toEqual([
      expect.objectContaining({
        ErrorCode: "InvalidFleetConfiguration",
        ErrorMessage: expect.stringContaining("architecture 'arm64'"),
      }),
    ]);
  });
});

describe("CreateFleet: checks, deletion", () => {
  it("refuses what EC2 refuses before launching anything", async () => {
    const before = t.emulator.control.instances().length;
    const lt = await template();
    const request = (extra: Partial<CreateFleetCommandInput>) =>
      ec2.send(
        new CreateFleetCommand({
          Type: "instant",
          LaunchTemplateConfigs: [
            {
              LaunchTemplateSpecification: { LaunchTemplateId: lt },
              Overrides: [{ InstanceType: "c5.large" }],
            },
          ],
          TargetCapacitySpecification: {
            TotalTargetCapacity: 1,
            DefaultTargetCapacityType: "spot",
          },
          ...extra,
        }),
      );
    await ec2Error(
      request({ SpotOptions: { AllocationStrategy: "prioritized" as never } }),
      "InvalidParameterValue",
    );
    await ec2Error(
      request({
        TargetCapacitySpecification: { TotalTargetCapacity: 2, TargetCapacityUnitType: "vcpu" },
      }),
      "InvalidParameterCombination",
    );
    await ec2Error(
      request({ SpotOptions: { AllocationStrategy: "diversified", InstancePoolsToUseCount: 2 } }),
      "InvalidParameterCombination",
    );
    await ec2Error(
      request({
        Type: "request",
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "a", Value: "b" }] }],
      }),
      "InvalidParameterValue",
    );
    await ec2Error(
      request({ SpotOptions: { InstanceInterruptionBehavior: "stop" } }),
      "UnsupportedOperation",
    );
    await ec2Error(
      request({
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: { LaunchTemplateId: lt },
            Overrides: [
              {
                InstanceType: "c5.large",
                SubnetId: "subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb",
              },
            ],
          },
        ],
      }),
      "InvalidParameterValue",
    );
    expect(t.emulator.control.instances()).toHaveLength(before);
  });

  it("deletes a fleet with its instances, and refuses to leave an instant fleet's instances running", async () => {
    const out = await instant([{ InstanceType: "t3.micro" }], { spot: 2 });
    await ec2Error(
      ec2.send(
        new DeleteFleetsCommand({ FleetIds: [out.FleetId ?? ""], TerminateInstances: false }),
      ),
      "InvalidParameterCombination",
    );
    const deleted = await ec2.send(
      new DeleteFleetsCommand({ FleetIds: [out.FleetId ?? ""], TerminateInstances: true }),
    );
    expect(deleted.SuccessfulFleetDeletions?.[0]).toMatchObject({
      PreviousFleetState: "active",
      CurrentFleetState: "deleted_terminating",
    });
    t.clock.advance(1000);
    const [fleet] =
      (await ec2.send(new DescribeFleetsCommand({ FleetIds: [out.FleetId ?? ""] }))).Fleets ?? [];
    expect(fleet?.FleetState).toBe("deleted");
    expect((await instancesOf(out)).map((i) => i.State?.Name)).toEqual([
      "terminated",
      "terminated",
    ]);
  });
});
