import { userInfo } from "node:os";
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../cli/run.ts";
import type { LocalStack } from "../../../local/stack.ts";
import { ec2At, poolObjects as poolObjectsAt, s3At } from "../../support/sdk.ts";
import { apiClient, POOL_PASSWORD, SETUP, startTestStack } from "../../support/stack.ts";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack);
});
afterAll(() => stack.stop());

type Components = {
  ok: boolean;
  components: Array<{
    name: string;
    status: string;
    hint?: string;
    action?: string;
    seconds?: number;
  }>;
};
const statusOf = (answer: Components, name: string) =>
  answer.components.find((c) => c.name === name)?.status;
const annexGroups = async () =>
  (
    await ec2At(stack.awsEndpoint).send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: ["cloud-annex-local-instances"] }],
      }),
    )
  ).SecurityGroups ?? [];

const poolObjects = () => poolObjectsAt(stack.awsEndpoint);

describe("setup and check-setup", () => {
  it("check-setup before setup names each missing piece and what to do", async () => {
    const answer = await api<Components>("GET", "/setup");
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(false);
    expect(statusOf(answer.body, "config-bucket")).toBe("ok");
    expect(statusOf(answer.body, "state-table")).toBe("ok");
    expect(statusOf(answer.body, "lambda-functions")).toBe("ok");
    expect(statusOf(answer.body, "instance-profile")).toBe("ok");
    const group = answer.body.components.find((c) => c.name === "security-group");
    expect(group?.status).toBe("missing");
    expect(group?.hint).toContain("annex setup");
    expect(statusOf(answer.body, "pool-settings")).toBe("missing");
  });

  it("rejects a setup without allowCidr and creates nothing", async () => {
    const { allowCidr: _omitted, ...withoutCidr } = SETUP;
    const answer = await api("POST", "/setup", withoutCidr);
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("allowCidr");
    expect(await annexGroups()).toHaveLength(0);
  });

  it("refuses a first setup without a pool secret before creating anything", async () => {
    const { poolPassword: _omitted, ...withoutSecret } = SETUP;
    const answer = await api<{ error: { message: string; issues: unknown[] } }>(
      "POST",
      "/setup",
      withoutSecret,
    );
    expect(answer.status).toBe(422);
    expect(answer.body.error.issues).toEqual([
      { path: "poolPassword", message: "is required (or poolToken): no pool secret is stored yet" },
    ]);
    expect(await annexGroups()).toHaveLength(0);
    expect(await poolObjects()).toEqual({});
  });

  it("refuses a VPC that does not exist before creating anything", async () => {
    const answer = await api("POST", "/setup", { ...SETUP, vpcId: "vpc-0000000000000dead" });
    expect(answer.status).toBe(422);
    expect(answer.text).toContain('"path":"vpcId","message":"does not exist in this region"');
    expect(await annexGroups()).toHaveLength(0);
    expect(await poolObjects()).toEqual({});
  });

  it("sets up every component, opening HTCondor's port only to the stated CIDR, and never returns the secret", async () => {
    const answer = await api<Components>("POST", "/setup", SETUP);
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(true);
    expect(answer.body.components.map((c) => c.name)).toEqual([
      "config-bucket",
      "state-table",
      "lambda-functions",
      "instance-profile",
      "instance-proof",
      "security-group",
      "pool-settings",
    ]);
    expect(statusOf(answer.body, "security-group")).toBe("created");
    expect(statusOf(answer.body, "pool-settings")).toBe("created");
    for (const component of answer.body.components) expect(typeof component.seconds).toBe("number");
    expect(answer.text).not.toContain(POOL_PASSWORD);

    const [group] = await annexGroups();
    const rules = group?.IpPermissions ?? [];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ IpProtocol: "tcp", FromPort: 9618, ToPort: 9618 });
    expect(rules[0]?.IpRanges?.map((range) => range.CidrIp)).toEqual(["198.51.100.0/24"]);

    const settings = await s3At(stack.awsEndpoint).send(
      new GetObjectCommand({ Bucket: "cloud-annex-local-config", Key: "pool/settings.json" }),
    );
    const stored = JSON.parse((await settings.Body?.transformToString()) ?? "{}");
    expect(stored).toMatchObject({
      collectorHost: "cm.example.org:9618",
      securityGroupIds: [group?.GroupId],
    });
    expect(JSON.stringify(stored)).not.toContain(POOL_PASSWORD);
  });

  it("changes nothing when run a second time with the same input", async () => {
    const before = await annexGroups();
    const answer = await api<Components>("POST", "/setup", SETUP);
    expect(answer.body.ok).toBe(true);
    expect(answer.body.components.every((c) => c.status === "unchanged")).toBe(true);
    expect(await annexGroups()).toEqual(before);
  });

  it("refuses a setup by anyone but the stage's administrators with 403, naming them, and changes nothing", async () => {
    const before = { groups: await annexGroups(), pool: await poolObjects() };
    const mallory = apiClient(stack, "mallory");
    const takeover = { ...SETUP, allowCidr: "0.0.0.0/0", poolPassword: "mallory-owns-the-pool" };
    const answer = await mallory<{ error: { code: string; message: string } }>(
      "POST",
      "/setup",
      takeover,
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe("Forbidden");
    expect(answer.body.error.message).toContain("arn:aws:iam::000000000000:user/alice");
    expect(answer.body.error.message).toContain("you are arn:aws:iam::000000000000:user/mallory");
    expect({ groups: await annexGroups(), pool: await poolObjects() }).toEqual(before);
    // The CLI, run by mallory, prints the reason on one line, naming who may run setup.
    const stderr: string[] = [];
    const code = await run(["-setup", "-collector-host", "cm", "-allow-cidr", "10.0.0.0/8"], {
      io: {
        out: () => undefined,
        err: (t) => void stderr.push(t),
        readLine: async () => undefined,
        interactive: false,
      },
      env: { ANNEX_URL: stack.apiUrl },
      home: "/nonexistent-home",
      username: "mallory",
      readText: () => {
        throw Object.assign(new Error("no such file"), { code: "ENOENT" });
      },
      findCollector: () => undefined,
      now: () => Date.now(),
      newToken: () => "t",
      saveSecret: () => "",
    });
    expect({ code, stderr }).toEqual({
      code: 3,
      stderr: [
        "annex: only the stage's administrators may run setup (POST /setup): arn:aws:iam::000000000000:user/alice, " +
          `arn:aws:iam::000000000000:user/${userInfo().username} (ANNEX_ADMINS); you are arn:aws:iam::000000000000:user/mallory\n`,
      ],
    });
    expect({ groups: await annexGroups(), pool: await poolObjects() }).toEqual(before);
    // check-setup stays readable to every caller, and shows nothing secret.
    const check = await mallory<Components>("GET", "/setup");
    expect(check.status).toBe(200);
    expect(check.text).not.toContain(POOL_PASSWORD);
    expect(check.text).not.toMatch(/heartbeat-key|pool\.json/);
  });

  it("a refused setup leaves the security group, settings and secrets as they were", async () => {
    const before = { groups: await annexGroups(), pool: await poolObjects() };
    expect(Object.keys(before.pool).length).toBeGreaterThanOrEqual(3);
    const elsewhere = { collectorHost: "cm.other.org", allowCidr: "192.0.2.0/24" };
    const refusals = [
      { ...SETUP, ...elsewhere, vpcId: "vpc-0000000000000dead" },
      { ...SETUP, ...elsewhere, poolPassword: undefined, poolToken: "not a token" },
      { ...SETUP, ...elsewhere, sshCidr: "10.0.0.1/8" },
      { ...SETUP, ...elsewhere, limits: { maxCount: 0 } },
    ];
    for (const body of refusals) {
      const answer = await api("POST", "/setup", body);
      expect(answer.status).toBe(422);
      expect({ groups: await annexGroups(), pool: await poolObjects() }).toEqual(before);
    }
  });

  it("check-setup after setup reports every component OK", async () => {
    const answer = await api<Components>("GET", "/setup");
    expect(answer.body.ok).toBe(true);
    expect(answer.body.components.every((c) => c.status === "ok")).toBe(true);
  });

  it("opens SSH only when asked", async () => {
    const answer = await api<Components>("POST", "/setup", { ...SETUP, sshCidr: "203.0.113.7/32" });
    expect(statusOf(answer.body, "security-group")).toBe("updated");
    const [group] = await annexGroups();
    const ssh = group?.IpPermissions?.find((rule) => rule.FromPort === 22);
    expect(ssh?.IpRanges?.map((range) => range.CidrIp)).toEqual(["203.0.113.7/32"]);
  });

  it("converges the group to what setup states: a new allowCidr replaces the old one, SSH closes when no longer asked", async () => {
    const answer = await api<Components>("POST", "/setup", { ...SETUP, allowCidr: "192.0.2.0/24" });
    expect(statusOf(answer.body, "security-group")).toBe("updated");
    const action = answer.body.components.find((c) => c.name === "security-group")?.action ?? "";
    expect(action).toContain("opened TCP 9618 from 192.0.2.0/24");
    expect(action).toContain("closed TCP 9618 from 198.51.100.0/24, 22 from 203.0.113.7/32");
    const [group] = await annexGroups();
    const open = (group?.IpPermissions ?? []).flatMap((rule) =>
      (rule.IpRanges ?? []).map((range) => `${rule.FromPort} ${range.CidrIp}`),
    );
    expect(open).toEqual(["9618 192.0.2.0/24"]);
  });
});
