import {
  DescribeServicesCommand,
  type Filter,
  GetAttributeValuesCommand,
  GetProductsCommand,
  paginateGetProducts,
} from "@aws-sdk/client-pricing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAws, startLocalAws } from "../../../local/aws/server.ts";
import { awsCli, awsCliRun } from "../../support/aws-cli.ts";
import { pricingAt } from "../../support/sdk.ts";

let aws: LocalAws;
let pricing: ReturnType<typeof pricingAt>;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0, inMemory: true });
  pricing = pricingAt(aws.endpoint);
});
afterAll(async () => {
  pricing.destroy();
  await aws.stop();
});

const term = (Field: string, Value: string): Filter => ({ Type: "TERM_MATCH", Field, Value });

/** The filters a careful client sends for one Linux on-demand price. */
const linuxFilters = (instanceType: string, regionCode = "us-east-1") => [
  term("instanceType", instanceType),
  term("regionCode", regionCode),
  term("operatingSystem", "Linux"),
  term("tenancy", "Shared"),
  term("preInstalledSw", "NA"),
  term("capacitystatus", "Used"),
];

interface PriceListItem {
  product: { productFamily: string; sku: string; attributes: Record<string, string> };
  terms: {
    OnDemand: Record<
      string,
      {
        offerTermCode: string;
        priceDimensions: Record<string, { unit: string; pricePerUnit: { USD: string } }>;
      }
    >;
  };
}

const parse = (entry: unknown) => JSON.parse(String(entry)) as PriceListItem;

function onDemandPrice(item: PriceListItem): { usd: number; unit: string } {
  const [offer] = Object.values(item.terms.OnDemand);
  const [dimension] = Object.values(offer?.priceDimensions ?? {});
  return { usd: Number(dimension?.pricePerUnit.USD), unit: dimension?.unit ?? "" };
}

async function products(filters: Filter[]): Promise<PriceListItem[]> {
  const out: PriceListItem[] = [];
  for await (const page of paginateGetProducts(
    { client: pricing, pageSize: 100 },
    { ServiceCode: "AmazonEC2", Filters: filters },
  ))
    out.push(...(page.PriceList ?? []).map(parse));
  return out;
}

describe("Price List GetProducts", () => {
  it("answers one Linux on-demand product per type and region in the real shape", async () => {
    const out = await pricing.send(
      new GetProductsCommand({ ServiceCode: "AmazonEC2", Filters: linuxFilters("m5.large") }),
    );
    expect(out.FormatVersion).toBe("aws_v1");
    expect(out.PriceList).toHaveLength(1);
    const item = parse(out.PriceList?.[0]);
    expect(item.product.productFamily).toBe("Compute Instance");
    expect(item.product.attributes).toMatchObject({
      instanceType: "m5.large",
      regionCode: "us-east-1",
      location: "US East (N. Virginia)",
      operatingSystem: "Linux",
      tenancy: "Shared",
      preInstalledSw: "NA",
      capacitystatus: "Used",
      licenseModel: "No License required",
      vcpu: "2",
      memory: "8 GiB",
      usagetype: "BoxUsage:m5.large",
    });
    const [offerKey] = Object.keys(item.terms.OnDemand);
    expect(offerKey).toBe(`${item.product.sku}.JRTCKXETXF`);
    expect(onDemandPrice(item)).toEqual({ usd: 0.096, unit: "Hrs" });
  });

  it("gives a client that forgets a filter several candidates, as AWS does", async () => {
    const loose = await products([
      term("instanceType", "c5.large"),
      term("regionCode", "us-east-1"),
    ]);
    const kinds = loose.map((i) => {
      const a = i.product.attributes;
      return `${a.operatingSystem}/${a.tenancy}/${a.preInstalledSw}/${a.capacitystatus}`;
    });
    expect(kinds).toEqual(
      expect.arrayContaining([
        "Linux/Shared/NA/Used",
        "Linux/Shared/NA/AllocatedCapacityReservation",
        "Linux/Dedicated/NA/Used",
        "Windows/Shared/NA/Used",
        "RHEL/Shared/NA/Used",
        "Linux/Shared/SQL Web/Used",
      ]),
    );
    const prices = new Set(loose.map((i) => onDemandPrice(i).usd));
    expect(prices.size).toBeGreaterThan(3);
    expect(prices).toContain(0);
  });

  it("prices other regions from their own rows and has none for an unpriced region", async () => {
    const [ireland] = await products(linuxFilters("m5.large", "eu-west-1"));
    expect(ireland?.product.attributes).toMatchObject({
      location: "EU (Ireland)",
      usagetype: "EU-BoxUsage:m5.large",
    });
    expect(onDemandPrice(ireland as PriceListItem).usd).toBeGreaterThan(0.096);
    expect(await products(linuxFilters("m5.large", "af-south-1"))).toEqual([]);
  });

  it("filters with EQUALS, CONTAINS, ANY_OF and NONE_OF", async () => {
    const any = await products([
      ...linuxFilters("m5.large").slice(1),
      { Type: "ANY_OF", Field: "instanceType", Value: "m5.large,c5.large" },
    ]);
    expect(any.map((i) => i.product.attributes.instanceType).sort()).toEqual([
      "c5.large",
      "m5.large",
    ]);
    const contains = await products([
      ...linuxFilters("x").slice(1),
      { Type: "CONTAINS", Field: "instanceType", Value: "6g." },
    ]);
    expect(contains.map((i) => i.product.attributes.instanceType).sort()).toEqual([
      "c6g.large",
      "m6g.large",
    ]);
    const none = await products([
      term("instanceType", "t3.micro"),
      term("regionCode", "us-east-1"),
      { Type: "NONE_OF", Field: "operatingSystem", Value: "Linux" },
    ]);
    expect(none.map((i) => i.product.attributes.operatingSystem).sort()).toEqual([
      "RHEL",
      "SUSE",
      "Windows",
    ]);
  });

  it("pages with MaxResults and NextToken, and refuses a foreign token", async () => {
    const filters = [
      term("regionCode", "us-east-1"),
      term("operatingSystem", "Linux"),
      term("capacitystatus", "Used"),
      term("tenancy", "Shared"),
      term("preInstalledSw", "NA"),
    ];
    const first = await pricing.send(
      new GetProductsCommand({ ServiceCode: "AmazonEC2", Filters: filters, MaxResults: 10 }),
    );
    expect(first.PriceList).toHaveLength(10);
    expect(first.NextToken).toBeTruthy();
    const all = await products(filters);
    expect(all.length).toBeGreaterThan(40);
    expect(new Set(all.map((i) => i.product.sku)).size).toBe(all.length);
    await expect(
      pricing.send(
        new GetProductsCommand({
          ServiceCode: "AmazonEC2",
          Filters: filters.slice(1),
          NextToken: first.NextToken,
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidNextTokenException" });
    await expect(
      pricing.send(new GetProductsCommand({ ServiceCode: "AmazonEC2", MaxResults: 500 })),
    ).rejects.toMatchObject({
      name: "InvalidParameterException",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      pricing.send(new GetProductsCommand({ ServiceCode: "AmazonS3" })),
    ).rejects.toMatchObject({
      name: "NotFoundException",
    });
  });

  it("answers a pinned on-demand price for the emulator's region (negotiated rates)", async () => {
    aws.ec2.control.setOnDemandPrice("r5.large", 0.1);
    try {
      const [pinned] = await products(linuxFilters("r5.large"));
      expect(onDemandPrice(pinned as PriceListItem).usd).toBe(0.1);
      const [elsewhere] = await products(linuxFilters("r5.large", "us-west-2"));
      expect(onDemandPrice(elsewhere as PriceListItem).usd).toBe(0.126);
    } finally {
      aws.ec2.control.setOnDemandPrice("r5.large", undefined);
    }
    const [back] = await products(linuxFilters("r5.large"));
    expect(onDemandPrice(back as PriceListItem).usd).toBe(0.126);
  });

  it("describes the EC2 service and the values of an attribute", async () => {
    const services = await pricing.send(new DescribeServicesCommand({ ServiceCode: "AmazonEC2" }));
    expect(services.Services?.[0]?.ServiceCode).toBe("AmazonEC2");
    expect(services.Services?.[0]?.AttributeNames).toEqual(
      expect.arrayContaining(["instanceType", "operatingSystem", "capacitystatus", "regionCode"]),
    );
    const values = await pricing.send(
      new GetAttributeValuesCommand({ ServiceCode: "AmazonEC2", AttributeName: "capacitystatus" }),
    );
    expect(values.AttributeValues?.map((v) => v.Value)).toEqual([
      "AllocatedCapacityReservation",
      "UnusedCapacityReservation",
      "Used",
    ]);
  });

  it("is read by the AWS CLI: aws pricing get-products", async () => {
    const out = (await awsCli(aws.endpoint, [
      "pricing",
      "get-products",
      "--service-code",
      "AmazonEC2",
      "--filters",
      ...linuxFilters("c5.large").map((f) => `Type=${f.Type},Field=${f.Field},Value=${f.Value}`),
    ])) as { PriceList: string[] };
    expect(out.PriceList).toHaveLength(1);
    expect(onDemandPrice(parse(out.PriceList[0])).usd).toBe(0.085);
    const refused = await awsCliRun(aws.endpoint, [
      "pricing",
      "get-products",
      "--service-code",
      "AmazonS3",
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("NotFoundException");
  });
});
