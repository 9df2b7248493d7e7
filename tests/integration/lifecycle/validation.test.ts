import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { dynamoDbAt, s3At } from "../../support/sdk.ts";
import { apiClient, createRequest, SETUP, startTestStack } from "../../support/stack.ts";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack);
  await api("POST", "/setup", SETUP);
});
afterAll(() => stack.stop());

/** Everything a create could have written: table items, bucket objects, EC2 instances. */
async function footprint() {
  const items = await dynamoDbAt(stack.awsEndpoint).send(
    new ScanCommand({ TableName: "cloud-annex-local", Select: "COUNT" }),
  );
  const objects = await s3At(stack.awsEndpoint).send(
    new ListObjectsV2Command({ Bucket: "cloud-annex-local-config" }),
  );
  return {
    items: items.Count,
    objects: objects.KeyCount,
    instances: stack.aws.ec2.control.instances().length,
  };
}

const base = createRequest("Valid");
const cases: Array<[string, unknown, number, string]> = [
  ["a body that is not JSON", "{not json", 400, "JSON"],
  ["a body that is not an object", "[1,2]", 400, "object"],
  ["an unknown field", { ...base, colour: "blue" }, 422, "colour"],
  ["a missing name", { ...base, name: undefined }, 422, "name"],
  ["a name with a space", { ...base, name: "my annex" }, 422, "name"],
  ["a name too long for the EC2 client token", { ...base, name: "a".repeat(33) }, 422, "name"],
  ["a missing clientToken", { ...base, clientToken: undefined }, 422, "clientToken"],
  [
    "a clientToken over 64 characters",
    { ...base, clientToken: "t".repeat(65) },
    422,
    "clientToken",
  ],
  ["count 0", { ...base, count: 0 }, 422, "count"],
  ["a fractional count", { ...base, count: 1.5 }, 422, "count"],
  ["count above the configured maximum", { ...base, count: 51 }, 422, "count"],
  ["duration 0", { ...base, durationHours: 0 }, 422, "durationHours"],
  ["a negative duration", { ...base, durationHours: -1 }, 422, "durationHours"],
  ["a duration above the maximum", { ...base, durationHours: 25 }, 422, "durationHours"],
  ["idle longer than duration", { ...base, durationHours: 1, idleHours: 2 }, 422, "idleHours"],
  ["idle 0", { ...base, idleHours: 0 }, 422, "idleHours"],
  ["a malformed AMI id", { ...base, imageId: "ami-XYZ" }, 422, "imageId"],
  ["a malformed instance type", { ...base, instanceType: "huge" }, 422, "instanceType"],
  [
    "41 user tags",
    { ...base, tags: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, "v"])) },
    422,
    "tags",
  ],
  ["a tag key over 128 characters", { ...base, tags: { ["k".repeat(129)]: "v" } }, 422, "tags"],
  ["a tag value over 256 characters", { ...base, tags: { k: "v".repeat(257) } }, 422, "tags"],
  ["an aws: tag", { ...base, tags: { "aws:x": "v" } }, 422, "aws:"],
  ["an annex: tag", { ...base, tags: { "annex:id": "v" } }, 422, "annex:"],
  [
    "user data over 16 KB",
    { ...base, userData: "#!/bin/sh\n".padEnd(16 * 1024 + 1, "x") },
    422,
    "userData",
  ],
  ["owners and noOwner together", { ...base, noOwner: true }, 422, "owners"],
  ["a hostile owner name", { ...base, owners: ['alice", "mallory'] }, 422, "owners"],
  [
    "a malformed security group",
    { ...base, securityGroupIds: ["sg-nope"] },
    422,
    "securityGroupIds",
  ],
];

describe("create-annex validation", () => {
  it.each(cases)("rejects %s before any side effect", async (_label, body, status, mentioned) => {
    const before = await footprint();
    const answer = await api("POST", "/annexes", body);
    expect(answer.status).toBe(status);
    const error = (answer.body as { error: { code: string; message: string } }).error;
    expect(error.message).toContain(mentioned);
    expect(await footprint()).toEqual(before);
  });

  it("rejects user data that no longer fits beside the bootstrap script, before any side effect", async () => {
    const before = await footprint();
    const answer = await api("POST", "/annexes", {
      ...createRequest("TooBig"),
      userData: `#!/bin/sh\n${"x".repeat(15 * 1024)}`,
    });
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("userData");
    expect(await footprint()).toEqual(before);
  });
});
