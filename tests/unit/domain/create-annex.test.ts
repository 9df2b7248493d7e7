import { describe, expect, it } from "vitest";
import { MalformedRequestError, ValidationError } from "../../../shared/domain/errors.ts";
import { parseCreateAnnex } from "../../../shared/domain/requests/create-annex.ts";
import { DEFAULT_LIMITS, type Limits } from "../../../shared/domain/settings.ts";
import { expectIssue, issuesOf } from "./helpers.ts";

const limits: Limits = { ...DEFAULT_LIMITS, maxCount: 20, maxDurationHours: 24 };
const base = { name: "MyFirstAnnex", clientToken: "tok-1", count: 1, owners: ["alice"] };
const parse = (patch: Record<string, unknown>) => parseCreateAnnex({ ...base, ...patch }, limits);
const without = (key: keyof typeof base) => {
  const { [key]: _, ...rest } = base;
  return rest;
};

const spotFleetConfig = {
  IamFleetRole: "arn:aws:iam::123456789012:role/aws-ec2-spot-fleet-tagging-role",
  AllocationStrategy: "lowestPrice",
  TargetCapacity: 5,
  LaunchSpecifications: [
    { ImageId: "ami-a2a795b4", InstanceType: "c3.large", WeightedCapacity: 2 },
    { ImageId: "ami-a2a795b4", InstanceType: "m4.xlarge", WeightedCapacity: 4 },
  ],
};

describe("parseCreateAnnex", () => {
  it("applies condor_annex's defaults to a minimal on-demand request", () => {
    const request = parseCreateAnnex(base, limits);
    expect(request).toEqual({
      kind: "on-demand",
      name: "MyFirstAnnex",
      clientToken: "tok-1",
      count: 1,
      durationHours: 0.83,
      idleHours: 0.25,
      owners: ["alice"],
      noOwner: false,
      tags: {},
      dryRun: false,
    });
  });

  it("accepts every optional on-demand field", () => {
    const request = parse({
      instanceType: "m5.large",
      imageId: "ami-0123456789abcdef0",
      durationHours: 2,
      idleHours: 0.5,
      tags: { Project: "genomics", "cost center": "cs-42", "owner@example.org": "a/b=c+d" },
      userData: "#!/bin/sh\necho hi\n",
      securityGroupIds: ["sg-01234567", "sg-0123456789abcdef0"],
      keyName: "my-key.pem",
    });
    expect(request).toMatchObject({ instanceType: "m5.large", durationHours: 2, idleHours: 0.5 });
    expect(request.tags).toEqual({
      Project: "genomics",
      "cost center": "cs-42",
      "owner@example.org": "a/b=c+d",
    });
  });

  it("turns noOwner into an empty owner list", () => {
    expect(parseCreateAnnex({ ...without("owners"), noOwner: true }, limits)).toMatchObject({
      noOwner: true,
      owners: [],
    });
  });

  describe("refuses bodies that are not JSON objects as malformed", () => {
    for (const body of [undefined, null, "text", 42, [base], true]) {
      it(`refuses ${JSON.stringify(body)}`, () => {
        expect(() => parseCreateAnnex(body, limits)).toThrow(MalformedRequestError);
      });
    }
  });

  describe("name", () => {
    it("accepts 1 and 32 characters of letters, digits, '.', '_' and '-'", () => {
      expect(parse({ name: "a" }).name).toBe("a");
      expect(parse({ name: `A${"b".repeat(29)}.-` }).name).toHaveLength(32);
      expect(parse({ name: "9_x.y-z" }).name).toBe("9_x.y-z");
    });
    it("is required", () =>
      expectIssue(() => parseCreateAnnex(without("name"), limits), "name", "required"));
    it("refuses 33 characters", () =>
      expectIssue(() => parse({ name: "a".repeat(33) }), "name", "32"));
    it("refuses an empty name", () => expectIssue(() => parse({ name: "" }), "name"));
    for (const name of [
      "-lead",
      ".lead",
      "_lead",
      "has space",
      "semi;colon",
      'quo"te',
      "new\nline",
      "dollar$(X)",
      "ünï",
    ]) {
      it(`refuses ${JSON.stringify(name)}`, () =>
        expectIssue(() => parse({ name }), "name", "letter or digit"));
    }
    it("refuses a number", () => expectIssue(() => parse({ name: 7 }), "name", "must be a string"));
  });

  describe("clientToken", () => {
    it("accepts 64 printable ASCII characters", () => {
      expect(parse({ clientToken: "~".repeat(64) }).clientToken).toHaveLength(64);
    });
    it("is required", () =>
      expectIssue(
        () => parseCreateAnnex(without("clientToken"), limits),
        "clientToken",
        "required",
      ));
    it("refuses 65 characters", () =>
      expectIssue(() => parse({ clientToken: "x".repeat(65) }), "clientToken", "1 to 64"));
    it("refuses an empty token", () =>
      expectIssue(() => parse({ clientToken: "" }), "clientToken"));
    it("refuses non-ASCII and control characters", () => {
      expectIssue(() => parse({ clientToken: "é" }), "clientToken");
      expectIssue(() => parse({ clientToken: "a\tb" }), "clientToken");
    });
  });

  describe("kind", () => {
    it("refuses an unknown kind", () =>
      expectIssue(() => parse({ kind: "reserved" }), "kind", "one of"));
    it("refuses a non-string kind", () => expectIssue(() => parse({ kind: 3 }), "kind", "one of"));
  });

  describe("count", () => {
    it("accepts 1 and the configured maximum", () => {
      expect(parse({ count: 1 })).toMatchObject({ count: 1 });
      expect(parse({ count: 20 })).toMatchObject({ count: 20 });
    });
    it("is required for on-demand", () =>
      expectIssue(() => parseCreateAnnex(without("count"), limits), "count", "required"));
    it("refuses 0", () => expectIssue(() => parse({ count: 0 }), "count", "at least 1"));
    it("refuses more than limits.maxCount", () =>
      expectIssue(() => parse({ count: 21 }), "count", "at most 20"));
    it("follows the limits it is given", () => {
      expect(() =>
        parseCreateAnnex({ ...base, count: 21 }, { ...limits, maxCount: 21 }),
      ).not.toThrow();
    });
    it("refuses a fraction", () =>
      expectIssue(() => parse({ count: 1.5 }), "count", "whole number"));
    it("refuses a numeric string", () =>
      expectIssue(() => parse({ count: "2" }), "count", "number"));
  });

  describe("durationHours and idleHours", () => {
    it("accepts idle equal to duration, and duration equal to the maximum", () => {
      expect(parse({ durationHours: 24, idleHours: 24 })).toMatchObject({
        durationHours: 24,
        idleHours: 24,
      });
    });
    it("refuses a duration of 0", () =>
      expectIssue(() => parse({ durationHours: 0 }), "durationHours", "greater than 0"));
    it("refuses a negative duration", () =>
      expectIssue(() => parse({ durationHours: -1 }), "durationHours"));
    it("refuses a duration over limits.maxDurationHours", () =>
      expectIssue(() => parse({ durationHours: 24.01 }), "durationHours", "at most 24"));
    it("refuses an idle time of 0", () =>
      expectIssue(() => parse({ idleHours: 0 }), "idleHours", "greater than 0"));
    it("refuses idle longer than the duration", () =>
      expectIssue(() => parse({ durationHours: 1, idleHours: 1.5 }), "idleHours", "durationHours"));
    it("refuses idle longer than the default duration", () =>
      expectIssue(() => parse({ idleHours: 0.84 }), "idleHours", "0.83"));
  });

  describe("imageId and instanceType", () => {
    it("accepts 8- and 17-digit AMI ids", () => {
      expect(parse({ imageId: "ami-a2a795b4" })).toMatchObject({ imageId: "ami-a2a795b4" });
      expect(parse({ imageId: "ami-0123456789abcdef0" })).toMatchObject({
        imageId: "ami-0123456789abcdef0",
      });
    });
    for (const imageId of [
      "ami-123",
      "ami-0123456789ABCDEF0",
      "ami-0123456789abcdef",
      "img-a2a795b4",
      " ami-a2a795b4",
    ]) {
      it(`refuses image ${JSON.stringify(imageId)}`, () =>
        expectIssue(() => parse({ imageId }), "imageId", "AMI"));
    }
    it("accepts instance types with families, sizes and hyphens", () => {
      for (const instanceType of [
        "m5.large",
        "c7gn.16xlarge",
        "u-6tb1.metal",
        "mac2-m2pro.metal",
      ]) {
        expect(parse({ instanceType })).toMatchObject({ instanceType });
      }
    });
    for (const instanceType of ["M5.large", "m5", "m5.", ".large", "m5.large.x", "m5 large"]) {
      it(`refuses instance type ${JSON.stringify(instanceType)}`, () =>
        expectIssue(() => parse({ instanceType }), "instanceType", "instance type"));
    }
  });

  describe("owners and noOwner", () => {
    it("accepts several HTCondor user names", () => {
      expect(parse({ owners: ["alice", "bob_2", "c.d-e"] }).owners).toEqual([
        "alice",
        "bob_2",
        "c.d-e",
      ]);
    });
    it("requires owners unless noOwner", () =>
      expectIssue(() => parseCreateAnnex(without("owners"), limits), "owners", "unless noOwner"));
    it("requires owners when noOwner is false", () =>
      expectIssue(
        () => parseCreateAnnex({ ...without("owners"), noOwner: false }, limits),
        "owners",
      ));
    it("refuses owners together with noOwner", () =>
      expectIssue(() => parse({ noOwner: true }), "owners", "noOwner"));
    it("refuses an empty list", () =>
      expectIssue(() => parse({ owners: [] }), "owners", "at least one"));
    it("refuses more than 50 owners", () =>
      expectIssue(
        () => parse({ owners: Array.from({ length: 51 }, (_, i) => `u${i}`) }),
        "owners",
        "at most 50",
      ));
    for (const owner of [
      "a,b",
      "a b",
      'a"',
      "a\nSTART = True",
      "$(X)",
      "",
      "a@b",
      "x".repeat(65),
    ]) {
      it(`refuses owner ${JSON.stringify(owner)}, naming its position`, () =>
        expectIssue(() => parse({ owners: ["alice", owner] }), "owners[1]", "user name"));
    }
    it("refuses a non-boolean noOwner", () =>
      expectIssue(() => parse({ noOwner: "yes" }), "noOwner", "boolean"));
  });

  describe("tags", () => {
    it("accepts 40 tags, 128-character keys and 256-character values", () => {
      const tags = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, "v"]));
      expect(Object.keys(parse({ tags }).tags)).toHaveLength(40);
      expect(parse({ tags: { ["k".repeat(128)]: "v".repeat(256) } }).tags).toHaveProperty(
        "k".repeat(128),
      );
    });
    it("accepts an empty value", () =>
      expect(parse({ tags: { empty: "" } }).tags).toEqual({ empty: "" }));
    it("refuses 41 tags", () => {
      const tags = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, "v"]));
      expectIssue(() => parse({ tags }), "tags", "at most 40");
    });
    it("refuses a 129-character key", () =>
      expectIssue(
        () => parse({ tags: { ["k".repeat(129)]: "v" } }),
        `tags["${"k".repeat(63)}…"]`,
        "1 to 128",
      ));
    it("refuses an empty key", () =>
      expectIssue(() => parse({ tags: { "": "v" } }), 'tags[""]', "1 to 128"));
    it("refuses a 257-character value", () =>
      expectIssue(() => parse({ tags: { k: "v".repeat(257) } }), "tags.k", "at most 256"));
    for (const key of ["aws:cloudformation", "AWS:x", "annex:id", "Annex:Name"]) {
      it(`refuses the reserved key ${key}`, () =>
        expectIssue(() => parse({ tags: { [key]: "v" } }), `tags["${key}"]`, "aws: or annex:"));
    }
    for (const value of [
      'say "hi"',
      "back\\slash",
      "$(FULL_HOSTNAME)",
      "line\nSTART = True",
      "tab\there",
      "semi;colon",
      "#hash",
    ]) {
      it(`refuses the value ${JSON.stringify(value)}`, () =>
        expectIssue(() => parse({ tags: { k: value } }), "tags.k", "may only use"));
    }
    it("refuses keys with characters outside AWS's tag set", () =>
      expectIssue(() => parse({ tags: { "a\nb": "v" } }), 'tags["a?b"]', "may only use"));
    it("refuses two keys that become the same HTCondor attribute", () =>
      expectIssue(
        () => parse({ tags: { "cost-center": "a", cost_center: "b" } }),
        "tags.cost_center",
        "AnnexTag_cost_center",
      ));
    it("refuses keys that differ only in case, as ClassAd attribute names are case-insensitive", () =>
      expectIssue(
        () => parse({ tags: { Project: "a", project: "b" } }),
        "tags.project",
        "clashes",
      ));
    it("refuses a __proto__ key instead of dropping it", () =>
      expectIssue(
        () =>
          parseCreateAnnex(
            JSON.parse(
              `{"name":"a","clientToken":"t","count":1,"owners":["a"],"tags":{"__proto__":"x"}}`,
            ),
            limits,
          ),
        "tags.__proto__",
        "reserved",
      ));
    it("refuses a non-string value", () =>
      expectIssue(() => parse({ tags: { k: 1 } }), "tags.k", "string"));
    it("refuses a list", () => expectIssue(() => parse({ tags: ["a"] }), "tags", "object"));
  });

  describe("userData", () => {
    it("accepts exactly 16 KB", () =>
      expect(parse({ userData: "x".repeat(16384) }).userData).toHaveLength(16384));
    it("refuses 16 KB + 1 byte", () =>
      expectIssue(() => parse({ userData: "x".repeat(16385) }), "userData", "16384 bytes"));
    it("counts bytes, not characters", () =>
      expectIssue(() => parse({ userData: "é".repeat(8193) }), "userData", "16384 bytes"));
    it("limits defaultUserData the same way", () =>
      expectIssue(
        () => parse({ defaultUserData: "x".repeat(16385) }),
        "defaultUserData",
        "16384 bytes",
      ));
    it("refuses userData together with defaultUserData", () =>
      expectIssue(
        () => parse({ userData: "a", defaultUserData: "b" }),
        "defaultUserData",
        "userData",
      ));
  });

  describe("securityGroupIds and keyName", () => {
    it("refuses a malformed group id", () =>
      expectIssue(
        () => parse({ securityGroupIds: ["sg-xyz"] }),
        "securityGroupIds[0]",
        "security group",
      ));
    it("refuses a repeated group", () =>
      expectIssue(
        () => parse({ securityGroupIds: ["sg-01234567", "sg-01234567"] }),
        "securityGroupIds",
        "repeat",
      ));
    it("refuses an empty list", () =>
      expectIssue(() => parse({ securityGroupIds: [] }), "securityGroupIds", "at least one"));
    it("refuses 17 groups", () =>
      expectIssue(
        () =>
          parse({
            securityGroupIds: Array.from(
              { length: 17 },
              (_, i) => `sg-${String(i).padStart(8, "0")}`,
            ),
          }),
        "securityGroupIds",
        "at most 16",
      ));
    it("refuses a key name with spaces or quotes", () => {
      expectIssue(() => parse({ keyName: "my key" }), "keyName");
      expectIssue(() => parse({ keyName: 'k"' }), "keyName");
      expectIssue(() => parse({ keyName: "" }), "keyName");
    });
  });

  describe("unknown fields", () => {
    it("refuses an unknown field, naming it", () =>
      expectIssue(() => parse({ colour: "red" }), "colour", "unknown field"));
    it("refuses fleet fields on an on-demand annex, saying why", () => {
      expectIssue(() => parse({ slots: 5 }), "slots", "not allowed when kind is on-demand");
      expectIssue(
        () => parse({ spotFleetConfig }),
        "spotFleetConfig",
        "not allowed when kind is on-demand",
      );
    });
    it("refuses unknown fields inside fleet", () =>
      expectIssue(
        () =>
          parseCreateAnnex(
            {
              ...without("count"),
              kind: "fleet",
              cores: 2,
              fleet: { instanceTypes: ["m5.large"], spotPercent: 50, x: 1 },
            },
            limits,
          ),
        "fleet.x",
        "unknown field",
      ));
  });

  it("reports every problem, and names the first fields in a one-line message", () => {
    let error: unknown;
    try {
      parse({ name: "-bad", count: 0, durationHours: 99, extra: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const { issues, message } = error as ValidationError;
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(["name", "count", "durationHours", "extra"]),
    );
    expect(message).toMatch(/^name: /);
    expect(message).toContain("more)");
    expect(message).not.toContain("\n");
  });

  describe("spot-fleet", () => {
    const spot = { ...without("count"), kind: "spot-fleet", slots: 5, spotFleetConfig };
    it("accepts slots and the console's JSON config, keeping its other fields", () => {
      const request = parseCreateAnnex(spot, limits);
      expect(request.kind).toBe("spot-fleet");
      if (request.kind !== "spot-fleet") return;
      expect(request.slots).toBe(5);
      expect(request.spotFleetConfig).toMatchObject({
        AllocationStrategy: "lowestPrice",
        TargetCapacity: 5,
      });
    });
    it("unwraps a config under SpotFleetRequestConfig", () => {
      const request = parseCreateAnnex(
        { ...spot, spotFleetConfig: { SpotFleetRequestConfig: spotFleetConfig } },
        limits,
      );
      expect(request.kind === "spot-fleet" && request.spotFleetConfig.IamFleetRole).toBe(
        spotFleetConfig.IamFleetRole,
      );
    });
    it("requires slots and a config", () => {
      expectIssue(
        () => parseCreateAnnex({ ...spot, slots: undefined }, limits),
        "slots",
        "required",
      );
      expectIssue(
        () => parseCreateAnnex({ ...spot, spotFleetConfig: undefined }, limits),
        "spotFleetConfig",
        "required",
      );
    });
    it("bounds slots by limits.maxCount", () =>
      expectIssue(() => parseCreateAnnex({ ...spot, slots: 21 }, limits), "slots", "at most 20"));
    it("refuses count and instanceType, which the config carries", () => {
      expectIssue(
        () => parseCreateAnnex({ ...spot, count: 1 }, limits),
        "count",
        "not allowed when kind is spot-fleet",
      );
      expectIssue(
        () => parseCreateAnnex({ ...spot, instanceType: "m5.large" }, limits),
        "instanceType",
        "not allowed",
      );
    });
    it("requires an IAM fleet role ARN", () =>
      expectIssue(
        () =>
          parseCreateAnnex(
            { ...spot, spotFleetConfig: { ...spotFleetConfig, IamFleetRole: "role" } },
            limits,
          ),
        "spotFleetConfig.IamFleetRole",
        "IAM role",
      ));
    it("requires launch specifications or templates", () => {
      const { LaunchSpecifications: _, ...noSpecs } = spotFleetConfig;
      expectIssue(
        () => parseCreateAnnex({ ...spot, spotFleetConfig: noSpecs }, limits),
        "spotFleetConfig",
        "LaunchSpecifications",
      );
    });
    it("checks image and instance type in each launch specification", () => {
      const bad = {
        ...spotFleetConfig,
        LaunchSpecifications: [{ ImageId: "ami-x", InstanceType: "huge" }],
      };
      const issues = issuesOf(() =>
        parseCreateAnnex({ ...spot, spotFleetConfig: bad }, limits),
      ).map((i) => i.path);
      expect(issues).toEqual(
        expect.arrayContaining([
          "spotFleetConfig.LaunchSpecifications[0].ImageId",
          "spotFleetConfig.LaunchSpecifications[0].InstanceType",
        ]),
      );
    });
    it("refuses a config over 64 KB", () => {
      const big = { ...spotFleetConfig, Padding: "x".repeat(65536) };
      expectIssue(
        () => parseCreateAnnex({ ...spot, spotFleetConfig: big }, limits),
        "spotFleetConfig",
        "65536 bytes",
      );
    });
  });

  describe("fleet", () => {
    const fleetBody = {
      ...without("count"),
      kind: "fleet",
      cores: 4,
      fleet: { instanceTypes: ["m5.large", "c5.large"], spotPercent: 50 },
    };
    const withFleet = (fleet: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      parseCreateAnnex({ ...fleetBody, ...extra, fleet }, limits);
    it("accepts cores, instance types and a spot percentage", () => {
      const request = parseCreateAnnex(fleetBody, limits);
      expect(request).toMatchObject({ kind: "fleet", cores: 4, fleet: { spotPercent: 50 } });
    });
    it("defaults to spot with on-demand fallback and no replacement", () => {
      const request = withFleet({ instanceTypes: ["m5.large"] });
      expect(request.kind === "fleet" && request.fleet).toEqual({
        instanceTypes: ["m5.large"],
        spotPercent: 100,
        onDemandFallback: true,
        replaceInterrupted: false,
      });
    });
    it("accepts a count of instances instead of cores, within the pool's limit", () => {
      const { cores: _, ...byCount } = fleetBody;
      expect(parseCreateAnnex({ ...byCount, count: 3 }, limits)).toMatchObject({ count: 3 });
      expectIssue(() => parseCreateAnnex({ ...byCount, count: 21 }, limits), "count", "at most 20");
    });
    it("wants exactly one of cores and count", () => {
      expectIssue(() => withFleet(fleetBody.fleet, { count: 2 }), "cores", "not both");
      const { cores: _, ...neither } = fleetBody;
      expectIssue(() => parseCreateAnnex(neither, limits), "cores", "either cores");
    });
    it("accepts vCPU and memory-per-vCPU ranges instead of types", () => {
      const request = withFleet({
        vcpus: { min: 2, max: 8 },
        memoryPerVcpuGiB: { min: 2, max: 4 },
      });
      expect(request).toMatchObject({
        fleet: { vcpus: { min: 2, max: 8 }, memoryPerVcpuGiB: { min: 2, max: 4 } },
      });
    });
    it("wants exactly one of instance types and a vCPU range", () => {
      expectIssue(
        () => withFleet({ instanceTypes: ["m5.large"], vcpus: { min: 2 } }),
        "fleet.instanceTypes",
        "not both",
      );
      expectIssue(() => withFleet({}), "fleet.instanceTypes", "either instanceTypes or vcpus");
    });
    it("refuses reversed or fractional ranges, and memory without vCPUs", () => {
      expectIssue(() => withFleet({ vcpus: { min: 8, max: 2 } }), "fleet.vcpus.max", "below min");
      expectIssue(() => withFleet({ vcpus: { min: 1.5 } }), "fleet.vcpus.min", "whole");
      expectIssue(
        () => withFleet({ vcpus: { min: 2 }, memoryPerVcpuGiB: { min: 4, max: 2 } }),
        "fleet.memoryPerVcpuGiB.max",
        "below min",
      );
      expectIssue(
        () => withFleet({ instanceTypes: ["m5.large"], memoryPerVcpuGiB: { min: 2 } }),
        "fleet.memoryPerVcpuGiB",
        "attribute-based",
      );
    });
    it("refuses replacement of interrupted instances when nothing runs on spot", () =>
      expectIssue(
        () => withFleet({ instanceTypes: ["m5.large"], spotPercent: 0, replaceInterrupted: true }),
        "fleet.replaceInterrupted",
        "spot",
      ));
    it("refuses a spot percentage over 100 or fractional", () => {
      expectIssue(
        () =>
          parseCreateAnnex(
            { ...fleetBody, fleet: { ...fleetBody.fleet, spotPercent: 101 } },
            limits,
          ),
        "fleet.spotPercent",
        "at most 100",
      );
      expectIssue(
        () =>
          parseCreateAnnex(
            { ...fleetBody, fleet: { ...fleetBody.fleet, spotPercent: 2.5 } },
            limits,
          ),
        "fleet.spotPercent",
        "whole",
      );
    });
    it("refuses an empty or repeated instance type list", () => {
      expectIssue(
        () =>
          parseCreateAnnex(
            { ...fleetBody, fleet: { ...fleetBody.fleet, instanceTypes: [] } },
            limits,
          ),
        "fleet.instanceTypes",
        "at least one",
      );
      expectIssue(
        () =>
          parseCreateAnnex(
            {
              ...fleetBody,
              fleet: { ...fleetBody.fleet, instanceTypes: ["m5.large", "m5.large"] },
            },
            limits,
          ),
        "fleet.instanceTypes",
        "repeat",
      );
    });
    it("requires the fleet config", () =>
      expectIssue(
        () => parseCreateAnnex({ ...fleetBody, fleet: undefined }, limits),
        "fleet",
        "required",
      ));
    it("refuses a spotFleetConfig", () =>
      expectIssue(
        () => parseCreateAnnex({ ...fleetBody, spotFleetConfig }, limits),
        "spotFleetConfig",
        "not allowed when kind is fleet",
      ));
  });
});

describe("parseCreateAnnex: budgets and dry runs", () => {
  it("takes a budget in dollars, the pool's default when none is named, within the pool's maximum", () => {
    expect(parse({ budgetUsd: 2.5 }).budgetUsd).toBe(2.5);
    expect(parse({}).budgetUsd).toBeUndefined();
    const pool = { ...limits, defaultBudgetUsd: 1, maxBudgetUsd: 5 };
    expect(parseCreateAnnex(base, pool).budgetUsd).toBe(1);
    expectIssue(
      () => parseCreateAnnex({ ...base, budgetUsd: 6 }, pool),
      "budgetUsd",
      "must be at most 5 (the pool's maximum)",
    );
    expectIssue(() => parse({ budgetUsd: 0 }), "budgetUsd", "must be greater than 0");
    expectIssue(() => parse({ budgetUsd: "5" }), "budgetUsd", "must be a number");
    // DynamoDB stores numbers up to 1e125; no budget gets near it.
    expectIssue(() => parse({ budgetUsd: 1e200 }), "budgetUsd", "must be at most 1000000000");
  });

  it("takes dryRun as a boolean, false by default", () => {
    expect(parse({ dryRun: true }).dryRun).toBe(true);
    expect(parse({}).dryRun).toBe(false);
    expectIssue(() => parse({ dryRun: "yes" }), "dryRun", "must be a boolean");
  });
});
