import {
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  type DescribeSpotPriceHistoryCommandInput,
  type EC2Client,
  GetInstanceTypesFromInstanceRequirementsCommand,
  paginateDescribeSpotPriceHistory,
  RunInstancesCommand,
  type SpotPrice,
} from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { awsCli } from "../../support/aws-cli.ts";
import { ec2Error, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startEc2({ delays: { pendingMs: 1000, shuttingDownMs: 1000 } });
  ec2 = t.client();
});
afterAll(() => t.stop());
afterEach(() => t.emulator.control.resetFaults());

const MINUTE = 60_000;

async function history(input: DescribeSpotPriceHistoryCommandInput): Promise<SpotPrice[]> {
  const out: SpotPrice[] = [];
  for await (const page of paginateDescribeSpotPriceHistory({ client: ec2, pageSize: 7 }, input))
    out.push(...(page.SpotPriceHistory ?? []));
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: each route answers its own JSON shape
type Json = any;

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${t.endpoint}/_ec2${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe("spot prices", () => {
  it("are deterministic per type and zone, and differ between zones", async () => {
    const out = await ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ["m5.large"],
        ProductDescriptions: ["Linux/UNIX"],
      }),
    );
    const byZone = Object.fromEntries(
      (out.SpotPriceHistory ?? []).map((p) => [p.AvailabilityZone, Number(p.SpotPrice)]),
    );
    expect(Object.keys(byZone)).toHaveLength(6);
    expect(byZone).toEqual(t.emulator.control.spotPrices("m5.large"));
    expect(new Set(Object.values(byZone)).size).toBeGreaterThan(1);
    for (const price of Object.values(byZone)) {
      expect(price).toBeGreaterThan(0.096 * 0.3);
      expect(price).toBeLessThan(0.096 * 0.5);
    }
  });

  it("keeps changes as history: the price in force at StartTime plus every change after, newest first", async () => {
    const start = t.clock.now();
    const base = t.emulator.control.spotPrices("c5.xlarge")["us-east-1a"] ?? 0;
    t.clock.advance(10 * MINUTE);
    t.emulator.control.setSpotPrice("c5.xlarge", 0.05, { availabilityZone: "us-east-1a" });
    t.clock.advance(10 * MINUTE);
    t.emulator.control.setSpotPrice("c5.xlarge", 0.07);
    t.clock.advance(10 * MINUTE);
    const query = {
      InstanceTypes: ["c5.xlarge" as const],
      AvailabilityZone: "us-east-1a",
      ProductDescriptions: ["Linux/UNIX"],
    };
    const all = await history({ ...query, StartTime: new Date(start + MINUTE) });
    expect(all.map((p) => [p.SpotPrice, p.Timestamp?.getTime()])).toEqual([
      ["0.070000", start + 20 * MINUTE],
      ["0.050000", start + 10 * MINUTE],
      [base.toFixed(6), expect.any(Number)],
    ]);
    const window = await history({
      ...query,
      StartTime: new Date(start + 15 * MINUTE),
      EndTime: new Date(start + 18 * MINUTE),
    });
    expect(window.map((p) => p.SpotPrice)).toEqual(["0.050000"]);
    const elsewhere = await history({
      ...query,
      AvailabilityZone: "us-east-1b",
      StartTime: new Date(start + MINUTE),
    });
    expect(elsewhere.map((p) => p.SpotPrice)[0]).toBe("0.070000");
    expect(elsewhere).toHaveLength(2);
    t.emulator.control.setSpotPrice("c5.xlarge", undefined);
    expect(t.emulator.control.spotPrices("c5.xlarge")["us-east-1a"]).toBe(base);
  });

  it("lists every product description unless asked for some, with licences priced in", async () => {
    const out = await history({ InstanceTypes: ["t3.micro"], AvailabilityZone: "us-east-1c" });
    const products = Object.fromEntries(
      out.map((p) => [p.ProductDescription, Number(p.SpotPrice)]),
    );
    expect(Object.keys(products)).toEqual(
      expect.arrayContaining(["Linux/UNIX", "Windows", "Red Hat Enterprise Linux", "SUSE Linux"]),
    );
    expect(products.Windows).toBeGreaterThan(products["Linux/UNIX"] ?? 1);
    const paged = await ec2.send(
      new DescribeSpotPriceHistoryCommand({ InstanceTypes: ["t3.micro"], MaxResults: 5 }),
    );
    expect(paged.SpotPriceHistory).toHaveLength(5);
    expect(paged.NextToken).not.toBe("");
  });

  it("decide RunInstances' SpotMaxPriceTooLow in the instance's zone", async () => {
    t.emulator.control.setSpotPrice("r5.large", 0.2, { availabilityZone: "us-east-1d" });
    const spot = (zone: string) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: "ami-12345678",
          InstanceType: "r5.large",
          MinCount: 1,
          MaxCount: 1,
          Placement: { AvailabilityZone: zone },
          InstanceMarketOptions: { MarketType: "spot", SpotOptions: { MaxPrice: "0.1" } },
        }),
      );
    await ec2Error(spot("us-east-1d"), "SpotMaxPriceTooLow");
    expect((await spot("us-east-1a")).Instances).toHaveLength(1);
    t.emulator.control.setSpotPrice("r5.large", undefined);
  });

  it("are read by the AWS CLI", async () => {
    const out = (await awsCli(t.endpoint, [
      "ec2",
      "describe-spot-price-history",
      "--instance-types",
      "m5.large",
      "--availability-zone",
      "us-east-1b",
      "--product-descriptions",
      "Linux/UNIX",
    ])) as { SpotPriceHistory: { SpotPrice: string }[] };
    expect(Number(out.SpotPriceHistory[0]?.SpotPrice)).toBe(
      t.emulator.control.spotPrices("m5.large")["us-east-1b"],
    );
  });
});

describe("capacity per type, zone and market", () => {
  const run = (zone: string, spot = false) =>
    ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12345678",
        InstanceType: "m4.xlarge",
        MinCount: 1,
        MaxCount: 1,
        Placement: { AvailabilityZone: zone },
        InstanceMarketOptions: spot ? { MarketType: "spot" } : undefined,
      }),
    );

  it("limits a zone's spot market without touching on-demand or other zones", async () => {
    t.emulator.control.setCapacity(
      { type: "m4.xlarge", availabilityZone: "us-east-1a", market: "spot" },
      0,
    );
    const refused = await ec2Error(run("us-east-1a", true), "InsufficientInstanceCapacity", 500);
    expect(refused.message).toBe("There is no Spot capacity available that matches your request.");
    expect((await run("us-east-1a")).Instances).toHaveLength(1);
    expect((await run("us-east-1b", true)).Instances).toHaveLength(1);
  });

  it("counts a launch against every limit that covers it", async () => {
    t.emulator.control.setCapacity("m4.xlarge", 2);
    t.emulator.control.setCapacity({ type: "m4.xlarge", availabilityZone: "us-east-1c" }, 5);
    await run("us-east-1c");
    await run("us-east-1d");
    const refused = await ec2Error(run("us-east-1c"), "InsufficientInstanceCapacity");
    expect(refused.message).toContain("(us-east-1c)");
    expect(t.emulator.control.faults().capacity).toEqual({
      "m4.xlarge": 0,
      "m4.xlarge:us-east-1c": 4,
    });
  });

  it("is set over HTTP, checked first", async () => {
    const set = await control("PUT", "/capacity", {
      instanceType: "m4.xlarge",
      availabilityZone: "us-east-1e",
      market: "spot",
      available: 3,
    });
    expect(set).toEqual({ status: 200, json: { capacity: { "m4.xlarge:us-east-1e:spot": 3 } } });
    expect(
      (await control("PUT", "/capacity", { instanceType: "t9.mega", available: 1 })).status,
    ).toBe(400);
    expect(
      (
        await control("PUT", "/capacity", {
          instanceType: "m4.xlarge",
          availabilityZone: "mars-1a",
          available: 1,
        })
      ).status,
    ).toBe(400);
    expect(
      (await control("PUT", "/faults", { capacity: { "m4.xlarge:us-east-1e:cheap": 1 } })).status,
    ).toBe(400);
    expect(t.emulator.control.faults().capacity).toEqual({ "m4.xlarge:us-east-1e:spot": 3 });
  });
});

describe("prices and images over HTTP", () => {
  it("changes and reads spot prices, pins on-demand prices, registers image architectures", async () => {
    const spot = await control("PUT", "/spot-prices", {
      instanceType: "c4.xlarge",
      availabilityZone: "us-east-1f",
      price: 0.09,
    });
    expect(spot.status).toBe(200);
    expect(spot.json.prices["us-east-1f"]).toBe(0.09);
    expect((await control("GET", "/spot-prices/c4.xlarge")).json.prices["us-east-1f"]).toBe(0.09);
    expect(
      (await control("PUT", "/spot-prices", { instanceType: "c4.xlarge", price: -1 })).status,
    ).toBe(400);
    const mixed = await control("PUT", "/faults", {
      spotPrices: { "c4.xlarge": 0.5, "t9.mega": 1 },
    });
    expect(mixed.status).toBe(400);
    expect(t.emulator.control.spotPrices("c4.xlarge")["us-east-1f"]).toBe(0.09);
    const pinned = await control("PUT", "/on-demand-prices", {
      instanceType: "c4.xlarge",
      price: 0.15,
    });
    expect(pinned.json).toEqual({ instanceType: "c4.xlarge", price: 0.15 });
    await control("PUT", "/on-demand-prices", { instanceType: "c4.xlarge", price: null });
    expect(t.emulator.control.onDemandPrice("c4.xlarge")).toBe(0.199);
    expect(
      (await control("PUT", "/images/ami-0bbbbbbbbbbbbbbb2", { architecture: "arm64" })).status,
    ).toBe(200);
    await ec2Error(
      ec2.send(
        new RunInstancesCommand({
          ImageId: "ami-0bbbbbbbbbbbbbbb2",
          InstanceType: "m5.large",
          MinCount: 1,
          MaxCount: 1,
        }),
      ),
      "InvalidParameterValue",
    );
  });
});

describe("instance types", () => {
  it("describes vCPUs, memory and the attributes selection reads", async () => {
    const out = await ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: ["c5.xlarge", "t3.micro"] }),
    );
    const [c5, t3] = out.InstanceTypes ?? [];
    expect(c5).toMatchObject({
      VCpuInfo: { DefaultVCpus: 4, DefaultCores: 2, DefaultThreadsPerCore: 2 },
      MemoryInfo: { SizeInMiB: 8192 },
      BurstablePerformanceSupported: false,
      ProcessorInfo: { SupportedArchitectures: ["x86_64"], Manufacturer: "intel" },
    });
    expect(t3?.BurstablePerformanceSupported).toBe(true);
  });

  it("lists the types matching attributes (GetInstanceTypesFromInstanceRequirements)", async () => {
    const find = async (requirements: object, architectures = ["x86_64"]) =>
      (
        await ec2.send(
          new GetInstanceTypesFromInstanceRequirementsCommand({
            ArchitectureTypes: architectures as never,
            VirtualizationTypes: ["hvm"],
            InstanceRequirements: {
              VCpuCount: { Min: 2, Max: 2 },
              MemoryMiB: { Min: 0 },
              ...requirements,
            },
          }),
        )
      ).InstanceTypes?.map((i) => i.InstanceType);
    expect(await find({ MemoryGiBPerVCpu: { Min: 4, Max: 4 } })).toEqual([
      "m4.large",
      "m5.large",
      "m5a.large",
      "m6i.large",
    ]);
    expect(await find({ MemoryGiBPerVCpu: { Min: 4, Max: 4 } }, ["arm64"])).toEqual(["m6g.large"]);
    expect(await find({ CpuManufacturers: ["amd"] })).toEqual(["c5a.large", "m5a.large"]);
    expect(await find({ BurstablePerformance: "required", MemoryMiB: { Min: 4096 } })).toEqual([
      "t2.large",
      "t2.medium",
      "t3.large",
      "t3.medium",
    ]);
    expect(
      await find({ ExcludedInstanceTypes: ["c*", "r*", "m5*"], MemoryGiBPerVCpu: { Min: 4 } }),
    ).toEqual(["m4.large", "m6i.large"]);
    await ec2Error(
      ec2.send(
        new GetInstanceTypesFromInstanceRequirementsCommand({
          ArchitectureTypes: ["x86_64"],
          VirtualizationTypes: ["hvm"],
          InstanceRequirements: {
            VCpuCount: { Min: 4, Max: 2 },
            MemoryMiB: { Min: 0 },
          },
        }),
      ),
      "InvalidParameterValue",
    );
  });
});
