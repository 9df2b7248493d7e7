import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_NAMES, type LocalStack } from "../../../local/stack.ts";
import { parseSetup } from "../../../shared/domain/requests/setup.ts";
import { ec2At } from "../../support/sdk.ts";
import { createRequest, SETUP, startTestStack } from "../../support/stack.ts";
import { mayInvoke } from "./api-access.ts";
import { filesOf, operationsIn, operationsOfZip } from "./bundles.ts";
import { ADMIN_ROUTES, MAY_CALL } from "./may-call.ts";
import { policyViolations } from "./policy-rules.ts";
import {
  actionsOf,
  functionsOf,
  render,
  resourcesOf,
  routesOf,
  statementsOfFunction,
  type Template,
} from "./template.ts";
import { unneededGrants } from "./unneeded.ts";
import { WIDENED } from "./widened.ts";

const run = promisify(execFile);
const NAMES = { service: "cloud-annex", stage: "dev" };
let output = "";
let template: Template;

/** `npm run package` once for the file, as a user runs it: offline, with no AWS credentials. */
beforeAll(async () => {
  output = await mkdtemp(join(tmpdir(), "annex-package-"));
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_PROFILE: "",
    HOME: output,
  };
  await run("npm", ["run", "package", "--", "--package", output], { env, timeout: 240_000 });
  template = JSON.parse(
    await readFile(join(output, "cloudformation-template-update-stack.json"), "utf8"),
  ) as Template;
}, 300_000);
afterAll(() => (output ? rm(output, { recursive: true, force: true }) : undefined));

/** A resource's properties; the test fails if the template lacks the resource. */
const propertiesOf = (logicalId: string): Record<string, unknown> => {
  const resource = template.Resources[logicalId];
  if (resource === undefined) throw new Error(`the template has no ${logicalId}`);
  return resource.Properties;
};
const byType = (type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const functions = () => functionsOf(template, NAMES.service, NAMES.stage);

describe("npm run package", () => {
  it("builds a template with the table, bucket, API and every function", () => {
    const [[, table] = ["", undefined]] = byType("AWS::DynamoDB::Table");
    const indexes = (
      (table?.Properties.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string }>
    ).map((i) => i.IndexName);
    expect(indexes.sort()).toEqual(["by-owner", "instances-by-deadline", "live-by-deadline"]);
    const bucket = template.Resources.ConfigBucket?.Properties;
    expect(bucket?.PublicAccessBlockConfiguration).toMatchObject({
      BlockPublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(template.Resources.ConfigBucketPolicy)).toContain("aws:SecureTransport");
    expect(byType("AWS::ApiGatewayV2::Api")).toHaveLength(1);
    expect(
      functions()
        .map((fn) => fn.name)
        .sort(),
    ).toEqual(Object.keys(MAY_CALL).sort());
  });

  it("zips each function's bundle without its source map, and nothing loads a map at init", () => {
    for (const fn of functions()) {
      const files = Object.keys(filesOf(join(output, `${fn.name}.zip`)));
      expect(files, fn.name).toEqual([`functions/${fn.name}.mjs`]);
      const variables = JSON.stringify(template.Resources[fn.logicalId]?.Properties.Environment);
      expect(variables, fn.name).not.toContain("enable-source-maps");
    }
    const code = new TextDecoder().decode(
      filesOf(join(output, "health.zip"))["functions/health.mjs"],
    );
    expect(code).not.toContain("sourceMappingURL");
  });

  it("bundles of the SDK's schemas only the shapes the bundled commands reach", () => {
    const code = new TextDecoder().decode(
      filesOf(join(output, "create-annex.zip"))["functions/create-annex.mjs"],
    );
    expect(operationsIn(code)).toContain("ec2:RunInstances");
    expect(code).toContain('"TagSpecification"');
    expect(code).not.toContain('"AcceptReservedInstancesExchangeQuoteRequest"');
  });

  it("leaves out of each bundle only the credential chain's links Lambda never reaches, imported when reached", async () => {
    // The default chain's links after the environment's keys, which it imports when it gets to them.
    const chain = await readFile(
      "node_modules/@aws-sdk/credential-provider-node/dist-es/defaultProvider.js",
      "utf8",
    );
    const laterLinks = [...chain.matchAll(/await import\("([^"]+)"\)/g)].map((m) => m[1]).sort();
    expect(laterLinks).toContain("@aws-sdk/credential-provider-sso");
    const packagesIn = (code: string, pattern: RegExp) =>
      [...new Set([...code.matchAll(pattern)].map((m) => m[1] as string))]
        .filter((name) => !name.startsWith("node:"))
        .sort();
    for (const fn of functions()) {
      const code = new TextDecoder().decode(
        filesOf(join(output, `${fn.name}.zip`))[`functions/${fn.name}.mjs`],
      );
      expect(packagesIn(code, /\bfrom"([^"]+)"/g), `${fn.name} imports at init`).toEqual([]);
      expect(packagesIn(code, /\bimport\("([^"]+)"\)/g), fn.name).toEqual(laterLinks);
      // AWS_PROFILE would make the chain skip the environment's keys (Lambda's role) for them.
      const variables = template.Resources[fn.logicalId]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(Object.keys(variables.Variables), fn.name).not.toContain("AWS_PROFILE");
    }
  });
});

describe("each function's role", () => {
  it("grants exactly what the function calls, EC2 mutations only on our tags, nothing open that changes EC2 or secrets", () => {
    expect(policyViolations(template, MAY_CALL, NAMES)).toEqual([]);
  });

  it("grants nothing that no SDK operation bundled in the function needs", () => {
    const operationsOf = (name: string) => operationsOfZip(join(output, `${name}.zip`));
    expect(operationsOf("create-annex")).toContain("ec2:RunInstances");
    expect(unneededGrants(functions(), operationsOf)).toEqual([]);

    const widened = structuredClone(template);
    statementsOfFunction(widened, "setup").push({
      Effect: "Allow",
      Action: ["ec2:DescribeSubnets", "ec2:DescribeInstanceStatus"],
      Resource: "*",
    });
    expect(unneededGrants(functionsOf(widened, NAMES.service, NAMES.stage), operationsOf)).toEqual([
      "setup: ec2:DescribeSubnets",
      "setup: ec2:DescribeInstanceStatus",
    ]);
  });

  it.each(WIDENED)("catches a widened policy: $name", ({ widen, caught }) => {
    const widened = structuredClone(template);
    widen(widened);
    const violations = policyViolations(widened, MAY_CALL, NAMES);
    for (const expected of caught) expect(violations).toContainEqual(expected);
  });
});

/** Every string in a JSON value. */
const stringsIn = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : typeof value === "object" && value !== null
      ? Object.values(value).flatMap(stringsIn)
      : [];

describe("the stack", () => {
  it("builds every ARN on ${AWS::Partition}, never on a literal partition", () => {
    const arns = stringsIn(template).filter((text) => text.includes("arn:"));
    expect(arns.length).toBeGreaterThan(20);
    expect(arns.filter((text) => /arn:aws/.test(text))).toEqual([]);
  });

  it("keeps on replacement what it keeps on deletion", () => {
    const retained = Object.entries(template.Resources).filter(
      ([, r]) => r.DeletionPolicy === "Retain",
    );
    expect(retained.map(([id]) => id).sort()).toEqual(["AnnexTable", "ConfigBucket"]);
    for (const [id, resource] of retained) expect(resource.UpdateReplacePolicy, id).toBe("Retain");
  });

  it("reserves no concurrency unless the stage asks (a new account's quota can't spare it)", () => {
    for (const [id, fn] of byType("AWS::Lambda::Function"))
      expect(fn.Properties.ReservedConcurrentExecutions, id).toBeUndefined();
  });

  it("throttles every route that has no IAM authorization, and creates the stage after them", () => {
    const stage = template.Resources.HttpApiStage;
    const settings = stage?.Properties.RouteSettings as Record<string, Record<string, number>>;
    const open = routesOf(template).filter((route) => !route.iam);
    expect(open.map((route) => route.key).sort()).toEqual([
      "GET /health",
      "POST /bootstrap",
      "POST /heartbeat",
    ]);
    for (const { key } of open) {
      expect(Number(settings[key]?.ThrottlingRateLimit), key).toBeGreaterThan(0);
      expect(Number(settings[key]?.ThrottlingBurstLimit), key).toBeGreaterThan(0);
    }
    const routeIds = byType("AWS::ApiGatewayV2::Route")
      .filter(([, r]) => open.some((route) => route.key === r.Properties.RouteKey))
      .map(([id]) => id);
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it("lets the admin policy invoke every route, the user policy every route but the admin ones", () => {
    const iamRoutes = routesOf(template).filter((route) => route.iam);
    expect(iamRoutes.map((route) => route.key)).toEqual(expect.arrayContaining([...ADMIN_ROUTES]));
    for (const { key } of iamRoutes) {
      expect(mayInvoke(template, "AdminPolicy", key), `admin: ${key}`).toBe(true);
      expect(mayInvoke(template, "UserPolicy", key), `user: ${key}`).toBe(
        !ADMIN_ROUTES.includes(key),
      );
    }
    const outputs = template.Outputs ?? {};
    expect(render(outputs.AdminPolicyArn?.Value)).toBe("${AdminPolicy}");
    expect(render(outputs.UserPolicyArn?.Value)).toBe("${UserPolicy}");
    expect(render(outputs.ApiUrl?.Value)).toContain("${HttpApi}");
  });

  it("keeps a bundle the service failed to delete longer than the longest lease setup allows", () => {
    const rules = (
      propertiesOf("ConfigBucket").LifecycleConfiguration as {
        Rules: Array<{ Prefix?: string; ExpirationInDays?: number }>;
      }
    ).Rules;
    const bundles = rules.filter((rule) => rule.Prefix === "annexes/");
    expect(bundles).toHaveLength(1);
    const days = Number(bundles[0]?.ExpirationInDays);
    const setup = { collectorHost: "cm.example.org", allowCidr: "198.51.100.0/24" };
    expect(() => parseSetup({ ...setup, limits: { maxDurationHours: 24 } })).not.toThrow();
    // Any lease within a day of the lifecycle is already more than setup lets a create ask for.
    expect(() =>
      parseSetup({ ...setup, limits: { maxDurationHours: (days - 1) * 24 + 1 } }),
    ).toThrow(/maxDurationHours/);
  });

  it("gives every function what the admin check and the instance proof read", () => {
    const passRoles = functions()
      .find((fn) => fn.name === "create-annex")
      ?.statements.filter((s) => actionsOf(s).includes("iam:PassRole"))
      .flatMap(resourcesOf);
    for (const fn of functions()) {
      const variables = (
        propertiesOf(fn.logicalId).Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(Object.keys(variables), fn.name).toEqual(
        expect.arrayContaining(["ANNEX_ADMINS", "ANNEX_ACCOUNT_ID", "ANNEX_SERVER_ID"]),
      );
      expect(render(variables.ANNEX_INSTANCE_ROLE_ARN)).toBe("${InstanceRole.Arn}");
      expect(passRoles).toContain(render(variables.ANNEX_INSTANCE_ROLE_ARN));
      expect(passRoles).toContain(render(variables.ANNEX_SPOT_FLEET_ROLE_ARN));
      expect(variables.ANNEX_ADMINS, "no admins named by default").toBe("");
    }
  });
});

describe("the zipped functions, run on the local AWS", () => {
  let stack: LocalStack;
  let owner = "";
  const unzipped = () => join(output, "unzipped");
  beforeAll(async () => {
    stack = await startTestStack();
    // An administrator (the stage's first), so the zipped setup runs.
    owner = (stack.environment.ANNEX_ADMINS ?? "").split(",")[0] ?? "";
    for (const fn of functions())
      for (const [path, bytes] of Object.entries(filesOf(join(output, `${fn.name}.zip`)))) {
        await mkdir(dirname(join(unzipped(), fn.name, path)), { recursive: true });
        await writeFile(join(unzipped(), fn.name, path), bytes);
      }
  });
  afterAll(() => stack?.stop());

  /** Imports the unzipped bundle as Lambda does and invokes it directly. */
  const invoke = async (name: string, event: Record<string, unknown>) => {
    const module = join(unzipped(), name, `functions/${name}.mjs`);
    const { handler } = (await import(pathToFileURL(module).href)) as {
      handler: (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
    };
    return handler({ owner, ...event }, lambdaContext(name));
  };

  it("sets up, creates, reads, resets and ends an annex, and EC2 sees each step", async () => {
    const setup = await invoke("setup", SETUP);
    expect(setup.ok, JSON.stringify(setup)).toBe(true);
    const created = (await invoke("create-annex", createRequest("Zipped"))) as {
      annex: { id: string; state: string };
    };
    expect(created.annex.state).toBe("provisioning");
    const tagged = await instancesTagged(created.annex.id);
    expect(tagged.map((i) => i.State?.Name)).toEqual(["running"]);
    const reset = (await invoke("reset-lease", { name: "Zipped", durationHours: 2 })) as {
      annex: { leaseRemainingSeconds: number };
    };
    expect(reset.annex.leaseRemainingSeconds).toBeGreaterThan(7000);
    expect((await instancesTagged(created.annex.id))[0]?.Tags).toContainEqual(
      expect.objectContaining({ Key: "annex:lease-expires" }),
    );
    const listed = (await invoke("list-annexes", {})) as { annexes: Array<{ name: string }> };
    expect(listed.annexes.map((annex) => annex.name)).toContain("Zipped");
    const stopped = (await invoke("stop-annex", { name: "Zipped" })) as {
      annex: { state: string };
    };
    expect(stopped.annex.state).toBe("ended");
    expect((await instancesTagged(created.annex.id)).map((i) => i.State?.Name)).not.toContain(
      "running",
    );
    expect(await invoke("health", {})).toMatchObject({ ok: true });
  });

  it("tags the security group setup creates as setup's role requires to edit it", async () => {
    expect((await invoke("setup", SETUP)).ok).toBe(true);
    const groups = await ec2At(stack.awsEndpoint).send(new DescribeSecurityGroupsCommand({}));
    const [group] = (groups.SecurityGroups ?? []).filter((g) =>
      g.GroupName?.startsWith("cloud-annex-"),
    );
    const tag = group?.Tags?.find((t) => t.Key === "annex:security-group")?.Value;
    expect(tag).toBe(group?.GroupName);
    const required = statementsOfFunction(template, "setup")
      .filter((s) => actionsOf(s).includes("ec2:AuthorizeSecurityGroupIngress"))
      .map((s) => s.Condition?.StringEquals?.["ec2:ResourceTag/annex:security-group"]);
    expect(required).toEqual([tag?.replace(`-${LOCAL_NAMES.stage}-`, `-${NAMES.stage}-`)]);
  });

  const instancesTagged = async (annexId: string) =>
    (
      await ec2At(stack.awsEndpoint).send(
        new DescribeInstancesCommand({ Filters: [{ Name: "tag:annex:id", Values: [annexId] }] }),
      )
    ).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
});

function lambdaContext(name: string) {
  return {
    functionName: `cloud-annex-dev-${name}`,
    awsRequestId: randomUUID(),
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:cloud-annex-dev-${name}`,
    memoryLimitInMB: "512",
    getRemainingTimeInMillis: () => 29_000,
  };
}
