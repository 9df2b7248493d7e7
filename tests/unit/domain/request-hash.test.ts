import { describe, expect, it } from "vitest";
import { parseCreateAnnex } from "../../../shared/domain/requests/create-annex.ts";
import {
  canonicalJson,
  ec2ClientToken,
  requestHash,
} from "../../../shared/domain/requests/request-hash.ts";
import { DEFAULT_LIMITS } from "../../../shared/domain/settings.ts";

const limits = { ...DEFAULT_LIMITS, maxCount: 10, maxDurationHours: 24 };

describe("requestHash", () => {
  it("is the same for the same request whatever the key order", () => {
    expect(requestHash({ a: 1, b: { c: [1, 2], d: "x" } })).toBe(
      requestHash({ b: { d: "x", c: [1, 2] }, a: 1 }),
    );
  });

  it("is the same when a default is spelled out or left out", () => {
    const short = parseCreateAnnex(
      { name: "a", clientToken: "t", count: 1, owners: ["u"] },
      limits,
    );
    const long = parseCreateAnnex(
      {
        name: "a",
        clientToken: "t",
        count: 1,
        owners: ["u"],
        kind: "on-demand",
        durationHours: 0.83,
        idleHours: 0.25,
        tags: {},
        noOwner: false,
      },
      limits,
    );
    expect(requestHash(short)).toBe(requestHash(long));
  });

  it("changes with anything that changes the launch", () => {
    const base = { name: "a", clientToken: "t", count: 1, owners: ["u"] };
    const hash = requestHash(parseCreateAnnex(base, limits));
    for (const patch of [
      { count: 2 },
      { durationHours: 1 },
      { idleHours: 0.5 },
      { owners: ["v"] },
      { tags: { k: "v" } },
      { userData: "x" },
      { instanceType: "m5.large" },
    ]) {
      expect(
        requestHash(parseCreateAnnex({ ...base, ...patch }, limits)),
        JSON.stringify(patch),
      ).not.toBe(hash);
    }
  });

  it("treats the order of a list as significant", () => {
    expect(requestHash({ owners: ["a", "b"] })).not.toBe(requestHash({ owners: ["b", "a"] }));
  });

  it("is a hex SHA-256", () => expect(requestHash({})).toMatch(/^[0-9a-f]{64}$/));
});

describe("canonicalJson", () => {
  it("sorts keys and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [undefined, { z: 1, y: 2 }] })).toBe(
      '{"b":1,"c":[null,{"y":2,"z":1}]}',
    );
  });
});

describe("ec2ClientToken", () => {
  it("joins name and annex id, fitting 64 characters for the longest name", () => {
    const token = ec2ClientToken("n".repeat(32), "01J9ZQ3B5V6N7M8K9H0G1F2E3D");
    expect(token).toBe(`${"n".repeat(32)}.01J9ZQ3B5V6N7M8K9H0G1F2E3D`);
    expect(token.length).toBeLessThanOrEqual(64);
  });
  it("refuses a token over 64 characters", () => {
    expect(() => ec2ClientToken("n".repeat(38), "01J9ZQ3B5V6N7M8K9H0G1F2E3D")).toThrow(RangeError);
  });
});
