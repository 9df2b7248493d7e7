/**
 * The price adapters, with the SDK clients mocked by aws-sdk-client-mock: what they ask the Price
 * List and DescribeSpotPriceHistory, how they read the answers, and that every failure becomes
 * PricesUnavailableError. (The local AWS answers both APIs; the integration tests use it.)
 */

import {
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  EC2ServiceException,
} from "@aws-sdk/client-ec2";
import { GetProductsCommand, PricingClient } from "@aws-sdk/client-pricing";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { AwsPriceList } from "../../../shared/adapters/aws/price-list.ts";
import { priceListRegion } from "../../../shared/adapters/aws/pricing-client.ts";
import { AwsSpotPrices } from "../../../shared/adapters/aws/spot-prices.ts";
import { PricesUnavailableError } from "../../../shared/domain/prices.ts";

const pricingMock = mockClient(PricingClient);
const ec2Mock = mockClient(EC2Client);
afterEach(() => {
  pricingMock.reset();
  ec2Mock.reset();
});

const product = (instanceType: string, usd: string, unit = "Hrs") =>
  JSON.stringify({
    product: { attributes: { instanceType } },
    terms: {
      OnDemand: {
        "SKU.TERM": { priceDimensions: { "SKU.TERM.RATE": { unit, pricePerUnit: { USD: usd } } } },
      },
    },
  });

describe("Price List adapter", () => {
  it("asks for Linux, shared tenancy, no software, capacity Used in the stack's region, every page", async () => {
    pricingMock
      .on(GetProductsCommand)
      .resolvesOnce({ PriceList: [product("m5.large", "0.0960000000")], NextToken: "t2" })
      .resolvesOnce({ PriceList: [product("c5.large", "0.0850000000")] });
    const prices = await new AwsPriceList(
      new PricingClient({ region: "us-east-1" }),
    ).onDemandPrices("eu-west-1", ["m5.large", "c5.large", "t9.mega"]);
    expect([...prices]).toEqual([
      ["m5.large", 0.096],
      ["c5.large", 0.085],
    ]);
    const [first, second] = pricingMock
      .commandCalls(GetProductsCommand)
      .map((c) => c.args[0].input);
    expect(first?.ServiceCode).toBe("AmazonEC2");
    expect(first?.Filters).toEqual([
      { Type: "ANY_OF", Field: "instanceType", Value: "m5.large,c5.large,t9.mega" },
      { Type: "TERM_MATCH", Field: "regionCode", Value: "eu-west-1" },
      { Type: "TERM_MATCH", Field: "operatingSystem", Value: "Linux" },
      { Type: "TERM_MATCH", Field: "tenancy", Value: "Shared" },
      { Type: "TERM_MATCH", Field: "preInstalledSw", Value: "NA" },
      { Type: "TERM_MATCH", Field: "capacitystatus", Value: "Used" },
    ]);
    expect(second?.NextToken).toBe("t2");
  });

  it("never takes a zero or non-hourly price, and takes the dearer of two products", async () => {
    pricingMock.on(GetProductsCommand).resolves({
      PriceList: [
        product("a.x", "0.0000000000"),
        product("b.x", "5", "Quantity"),
        product("c.x", "0.1"),
        product("c.x", "0.2"),
      ],
    });
    const prices = await new AwsPriceList(
      new PricingClient({ region: "us-east-1" }),
    ).onDemandPrices("us-east-1", ["a.x", "b.x", "c.x"]);
    expect([...prices]).toEqual([["c.x", 0.2]]);
  });

  it("turns any failure into PricesUnavailableError", async () => {
    pricingMock
      .on(GetProductsCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    await expect(
      new AwsPriceList(new PricingClient({ region: "us-east-1" })).onDemandPrices("us-east-1", [
        "m5.large",
      ]),
    ).rejects.toThrow(/prices are unavailable right now \(Price List: AccessDeniedException\)/);
  });

  it("answers from the nearest of the three regions that serve it", () => {
    expect(priceListRegion("us-west-2")).toBe("us-east-1");
    expect(priceListRegion("ca-central-1")).toBe("us-east-1");
    expect(priceListRegion("eu-west-1")).toBe("eu-central-1");
    expect(priceListRegion("me-south-1")).toBe("eu-central-1");
    expect(priceListRegion("ap-northeast-1")).toBe("ap-south-1");
  });
});

describe("spot price adapter", () => {
  it("groups Linux/UNIX prices by type and zone, oldest first, from the start time, every page", async () => {
    ec2Mock
      .on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce({
        SpotPriceHistory: [
          {
            InstanceType: "m5.large",
            AvailabilityZone: "us-east-1a",
            SpotPrice: "0.040000",
            Timestamp: new Date(200_000),
          },
        ],
        NextToken: "n2",
      })
      .resolvesOnce({
        SpotPriceHistory: [
          {
            InstanceType: "m5.large",
            AvailabilityZone: "us-east-1a",
            SpotPrice: "0.030000",
            Timestamp: new Date(100_000),
          },
          {
            InstanceType: "m5.large",
            AvailabilityZone: "us-east-1b",
            SpotPrice: "0.035000",
            Timestamp: new Date(50_000),
          },
        ],
        NextToken: "",
      });
    const history = await new AwsSpotPrices(
      new EC2Client({ region: "us-east-1" }),
    ).spotPriceHistory(["m5.large"], 150);
    expect(history.get("m5.large")).toEqual({
      "us-east-1a": [
        { at: 100, usdPerHour: 0.03 },
        { at: 200, usdPerHour: 0.04 },
      ],
      "us-east-1b": [{ at: 50, usdPerHour: 0.035 }],
    });
    const [input] = ec2Mock
      .commandCalls(DescribeSpotPriceHistoryCommand)
      .map((c) => c.args[0].input);
    expect(input).toMatchObject({
      InstanceTypes: ["m5.large"],
      ProductDescriptions: ["Linux/UNIX"],
      StartTime: new Date(150_000),
    });
  });

  it("turns any failure into PricesUnavailableError", async () => {
    ec2Mock.on(DescribeSpotPriceHistoryCommand).rejects(
      new EC2ServiceException({
        name: "RequestLimitExceeded",
        message: "slow down",
        $fault: "client",
        $metadata: {},
      }),
    );
    await expect(
      new AwsSpotPrices(new EC2Client({ region: "us-east-1" })).spotPriceHistory(["m5.large"], 0),
    ).rejects.toBeInstanceOf(PricesUnavailableError);
  });
});
