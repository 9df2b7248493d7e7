import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
let output = "";
afterAll(() => (output ? rm(output, { recursive: true, force: true }) : undefined));

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

describe("npm run package", () => {
  it("packages offline, with no AWS credentials, into a template with the table, bucket, API and every function", async () => {
    output = await mkdtemp(join(tmpdir(), "annex-package-"));
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_PROFILE: "",
      HOME: output,
    };
    await run("npm", ["run", "package", "--", "--package", output], { env, timeout: 240_000 });
    const template = JSON.parse(
      await readFile(join(output, "cloudformation-template-update-stack.json"), "utf8"),
    ) as Template;
    const byType = (type: string) =>
      Object.entries(template.Resources).filter(([, r]) => r.Type === type);

    const [[, table] = ["", undefined]] = byType("AWS::DynamoDB::Table");
    const indexes = (
      (table?.Properties.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string }>
    ).map((i) => i.IndexName);
    expect(indexes.sort()).toEqual(["by-owner", "instances-by-deadline", "live-by-deadline"]);

    const bucket = template.Resources.ConfigBucket?.Properties;
    expect(bucket?.BucketEncryption).toBeDefined();
    expect(bucket?.PublicAccessBlockConfiguration).toMatchObject({
      BlockPublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(template.Resources.ConfigBucketPolicy)).toContain("aws:SecureTransport");

    expect(byType("AWS::ApiGatewayV2::Api")).toHaveLength(1);
    expect(byType("AWS::Lambda::Function")).toHaveLength(12);
    expect(
      template.Resources.EnforceDashleasesLambdaFunction?.Properties.ReservedConcurrentExecutions,
    ).toBe(1);
    const zips = (await readdir(output)).filter((file) => file.endsWith(".zip"));
    expect(zips).toContain("create-annex.zip");
  }, 300_000);
});
