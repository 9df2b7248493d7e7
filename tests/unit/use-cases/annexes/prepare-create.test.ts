import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, type PoolSettings } from "../../../../shared/domain/settings.ts";
import { prepareCreate } from "../../../../shared/use-cases/annexes/prepare-create.ts";
import { FakePrices } from "../../../support/fake-prices.ts";

const settings: PoolSettings = {
  collectorHost: "cm.example.org",
  auth: "password",
  defaults: { imageId: "ami-0123456789abcdef0", instanceType: "m5.large" },
  limits: DEFAULT_LIMITS,
};

function ports(prices: FakePrices) {
  return {
    store: { getSettings: async () => settings } as never,
    apiUrl: "https://api.example.org",
    instanceProof: {
      config: {
        stsUrl: "https://sts.us-east-1.amazonaws.com",
        stsRegion: "us-east-1",
        serverId: "test",
      },
      problems: [],
    } as never,
    prices: prices.ports,
    catalog: { instanceTypes: async () => [], typesMatching: async () => [] } as never,
    capacityMemory: { recent: async () => [], remember: async () => undefined },
    spotFleetRoleArn: FLEET_ROLE,
  };
}

const FLEET_ROLE = "arn:aws:iam::123456789012:role/aws-ec2-spot-fleet-tagging-role";

const spotBody = (config: Record<string, unknown>) => ({
  name: "Spot",
  clientToken: "t-2",
  kind: "spot-fleet",
  slots: 2,
  owners: ["alice"],
  spotFleetConfig: { LaunchSpecifications: [{ InstanceType: "m5.large" }], ...config },
});

const body = (overrides: Record<string, unknown> = {}) => ({
  name: "Prepared",
  clientToken: "t-1",
  count: 2,
  owners: ["alice"],
  ...overrides,
});

describe("prepareCreate", () => {
  it("estimates at the pool's default type and keeps the pins it used", async () => {
    const prices = new FakePrices();
    const prepared = await prepareCreate(
      {
        ...ports(prices),
        store: {
          getSettings: async () => ({ ...settings, prices: { "m5.large": 0.08, "c5.large": 1 } }),
        } as never,
      },
      body(),
      0,
    );
    expect(prepared.shape.instanceType).toBe("m5.large");
    expect(prepared.estimate.perHourUsd).toBe(0.16);
    expect(prepared.pinnedPrices).toEqual({ "m5.large": 0.08 });
  });

  it("leaves the estimate unknown when prices cannot be had and no budget is asked", async () => {
    const prices = new FakePrices();
    prices.down = true;
    const prepared = await prepareCreate(ports(prices), body(), 0);
    expect(prepared.estimate).toMatchObject({ unknownTypes: ["m5.large"] });
    expect(prepared.estimate.maxUsd).toBeUndefined();
  });

  it("is a 503 with a budget when prices cannot be had: a budget is never run blind", async () => {
    const prices = new FakePrices();
    prices.down = true;
    await expect(prepareCreate(ports(prices), body({ budgetUsd: 1 }), 0)).rejects.toMatchObject({
      status: 503,
      code: "PricesUnavailable",
    });
  });
});

describe("prepareCreate of a spot fleet", () => {
  it("refuses a config naming another fleet role, naming the field and the role to use", async () => {
    const other = "arn:aws:iam::123456789012:role/someone-elses-fleet-role";
    const refusal = prepareCreate(ports(new FakePrices()), spotBody({ IamFleetRole: other }), 0);
    await expect(refusal).rejects.toMatchObject({
      status: 422,
      issues: [
        {
          path: "spotFleetConfig.IamFleetRole",
          message: expect.stringContaining(`must be ${FLEET_ROLE}`),
        },
      ],
    });
  });

  it("takes the stage's fleet role, named or left out", async () => {
    for (const config of [{ IamFleetRole: FLEET_ROLE }, {}]) {
      const prepared = await prepareCreate(ports(new FakePrices()), spotBody(config), 0);
      expect(prepared.shape.instanceType).toBe("m5.large");
    }
  });
});
