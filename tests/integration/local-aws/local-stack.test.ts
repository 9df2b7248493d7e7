import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { awsCli } from "../../support/aws-cli.ts";
import { startTestStack } from "../../support/stack.ts";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.stop());

describe("local stack", () => {
  it("serves the health route, wired to DynamoDB and S3 through the SDK", async () => {
    const response = await fetch(`${stack.apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, dynamodb: "ok", s3: "ok" });
  });

  it("creates the table from serverless.yml with its sparse indexes, and the bucket; the AWS CLI sees both", async () => {
    const table = (await awsCli(stack.awsEndpoint, [
      "dynamodb",
      "describe-table",
      "--table-name",
      "cloud-annex-local",
    ])) as {
      Table: { GlobalSecondaryIndexes: Array<{ IndexName: string }> };
    };
    expect(table.Table.GlobalSecondaryIndexes.map((index) => index.IndexName).sort()).toEqual([
      "by-owner",
      "instances-by-deadline",
      "live-by-deadline",
    ]);
    const buckets = (await awsCli(stack.awsEndpoint, ["s3api", "list-buckets"])) as {
      Buckets: Array<{ Name: string }>;
    };
    expect(buckets.Buckets.map((bucket) => bucket.Name)).toContain("cloud-annex-local-config");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await fetch(`${stack.apiUrl}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "NotFound" } });
  });
});
