import { describe, expect, it } from "vitest";
import { MalformedRequestError } from "../../../shared/domain/errors.ts";
import { parseSetup } from "../../../shared/domain/requests/setup.ts";
import { expectIssue } from "./helpers.ts";

const base = {
  collectorHost: "cm.example.org:9618",
  allowCidr: "203.0.113.0/24",
  poolPassword: "s3cret",
};
const parse = (patch: Record<string, unknown>) => parseSetup({ ...base, ...patch });

describe("parseSetup", () => {
  it("accepts the minimal setup and leaves what is not given unset", () => {
    expect(parseSetup(base)).toEqual(base);
  });

  it("accepts every field", () => {
    const setup = parse({
      vpcId: "vpc-0123456789abcdef0",
      sshCidr: "2001:DB8::/32",
      createKeyPair: true,
      defaults: { instanceType: "m5.large", imageId: "ami-a2a795b4" },
      limits: { maxCount: 10, maxDurationHours: 8 },
    });
    expect(setup).toMatchObject({
      sshCidr: "2001:db8::/32",
      limits: { maxCount: 10, maxDurationHours: 8 },
    });
  });

  it("accepts a token instead of a password, or neither", () => {
    const { poolPassword: _, ...noSecret } = base;
    expect(
      parseSetup({ ...noSecret, poolToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln" }).poolToken,
    ).toBeDefined();
    expect(parseSetup(noSecret)).toEqual(noSecret);
  });

  it("refuses a body that is not an object", () => {
    expect(() => parseSetup("setup")).toThrow(MalformedRequestError);
  });

  describe("collectorHost", () => {
    for (const host of [
      "cm",
      "cm.example.org",
      "cm.example.org:9618",
      "192.0.2.7",
      "192.0.2.7:9618",
      "[2001:db8::1]:9618",
    ]) {
      it(`accepts ${host}`, () => expect(parse({ collectorHost: host }).collectorHost).toBe(host));
    }
    for (const host of [
      "",
      "cm:0",
      "cm:65536",
      "cm:port",
      "-cm.org",
      "cm..org",
      "http://cm",
      "cm\nSTART = True",
      "$(HOST)",
      "192.0.2.300",
      "cm 1",
      "[::g]",
    ]) {
      it(`refuses ${JSON.stringify(host)}`, () =>
        expectIssue(() => parse({ collectorHost: host }), "collectorHost", "host"));
    }
    it("is required", () => {
      const { collectorHost: _, ...rest } = base;
      expectIssue(() => parseSetup(rest), "collectorHost", "required");
    });
  });

  describe("allowCidr and sshCidr", () => {
    it("is required, with no default", () => {
      const { allowCidr: _, ...rest } = base;
      expectIssue(() => parseSetup(rest), "allowCidr", "required");
    });
    it("accepts an explicit 0.0.0.0/0 and ::/0", () => {
      expect(parse({ allowCidr: "0.0.0.0/0" }).allowCidr).toBe("0.0.0.0/0");
      expect(parse({ allowCidr: "::/0" }).allowCidr).toBe("::/0");
    });
    it("normalizes IPv6 to its canonical text", () => {
      expect(parse({ allowCidr: "2001:0DB8:0000:0000::/64" }).allowCidr).toBe("2001:db8::/64");
    });
    it("refuses host bits, suggesting the network", () =>
      expectIssue(
        () => parse({ allowCidr: "10.1.2.3/8" }),
        "allowCidr",
        "did you mean 10.0.0.0/8?",
      ));
    for (const cidr of [
      "10.0.0.0",
      "10.0.0.0/33",
      "10.0.0/8",
      "010.0.0.0/8",
      "10.0.0.0/08",
      "2001:db8::/129",
      "a/b",
      "1:2:3:4:5:6:7:8:9/128",
    ]) {
      it(`refuses ${cidr}`, () => expectIssue(() => parse({ allowCidr: cidr }), "allowCidr"));
    }
    it("validates sshCidr the same way", () =>
      expectIssue(() => parse({ sshCidr: "10.0.0.1/24" }), "sshCidr", "host bits"));
  });

  describe("secrets", () => {
    it("refuses both a password and a token", () =>
      expectIssue(() => parse({ poolToken: "a.b.c" }), "poolToken", "poolPassword"));
    it("refuses an empty password or one with control characters", () => {
      expectIssue(() => parse({ poolPassword: "" }), "poolPassword", "empty");
      expectIssue(() => parse({ poolPassword: "a\u0000b" }), "poolPassword", "control");
      expectIssue(() => parse({ poolPassword: "a\nb" }), "poolPassword", "control");
    });
    it("refuses a token that is not a JWT", () => {
      const { poolPassword: _, ...rest } = base;
      expectIssue(() => parseSetup({ ...rest, poolToken: "not a token" }), "poolToken", "JWT");
    });
  });

  describe("defaults, limits and other fields", () => {
    it("refuses malformed defaults", () => {
      expectIssue(() => parse({ defaults: { imageId: "ami-1" } }), "defaults.imageId", "AMI");
      expectIssue(() => parse({ defaults: { instanceType: "big" } }), "defaults.instanceType");
      expectIssue(() => parse({ defaults: { region: "x" } }), "defaults.region", "unknown field");
    });
    it("refuses limits out of range", () => {
      expectIssue(() => parse({ limits: { maxCount: 0 } }), "limits.maxCount", "at least 1");
      expectIssue(
        () => parse({ limits: { maxDurationHours: 0 } }),
        "limits.maxDurationHours",
        "greater than 0",
      );
      expectIssue(
        () => parse({ limits: { maxDurationHours: 9000 } }),
        "limits.maxDurationHours",
        "8760",
      );
    });
    it("refuses a malformed VPC id and a non-boolean createKeyPair", () => {
      expectIssue(() => parse({ vpcId: "vpc-1" }), "vpcId", "VPC");
      expectIssue(() => parse({ createKeyPair: "yes" }), "createKeyPair", "boolean");
    });
    it("refuses unknown fields", () =>
      expectIssue(() => parse({ region: "us-east-1" }), "region", "unknown field"));
  });
});

describe("parseSetup: money", () => {
  it("takes pinned prices by instance type, and budget limits", () => {
    const setup = parse({
      prices: { "m5.large": 0.085, "c5.large": 0.07 },
      limits: { defaultBudgetUsd: 5, maxBudgetUsd: 50 },
    });
    expect(setup.prices).toEqual({ "m5.large": 0.085, "c5.large": 0.07 });
    expect(setup.limits).toEqual({ defaultBudgetUsd: 5, maxBudgetUsd: 50 });
  });

  it("refuses prices that are not a table of instance types to positive hourly prices", () => {
    expectIssue(
      () => parse({ prices: [1] }),
      "prices",
      "must be an object of instance type → USD per hour",
    );
    expectIssue(
      () => parse({ prices: { "m5.large": 0 } }),
      'prices["m5.large"]',
      "must be a price in USD per hour (greater than 0, at most 1000)",
    );
    expectIssue(
      () => parse({ prices: { "m5.large": "0.1" } }),
      'prices["m5.large"]',
      "must be a price in USD per hour (greater than 0, at most 1000)",
    );
    expectIssue(
      () => parse({ prices: { MX: 1 } }),
      "prices.MX",
      "must be an instance type such as m5.large",
    );
    expectIssue(
      () => parse({ limits: { maxBudgetUsd: -1 } }),
      "limits.maxBudgetUsd",
      "must be greater than 0",
    );
  });

  it("refuses a __proto__ key in the price table", () => {
    expectIssue(
      () =>
        parseSetup(
          JSON.parse(`{"collectorHost":"cm","allowCidr":"10.0.0.0/8","prices":{"__proto__":1}}`),
        ),
      "prices.__proto__",
      "must be an instance type such as m5.large",
    );
  });
});
