import { describe, expect, it } from "vitest";
import { readInstanceProofConfig } from "../../../../shared/config.ts";
import { parseAdmins } from "../../../../shared/domain/admins.ts";
import type { ProofSettings } from "../../../../shared/domain/instance-proof.ts";
import { checkSetup } from "../../../../shared/use-cases/setup/check-setup.ts";
import { runSetup, setupFromBody } from "../../../../shared/use-cases/setup/setup.ts";
import type { SetupPorts } from "../../../../shared/use-cases/setup/setup-components.ts";

const DEPLOYED = {
  AWS_REGION: "eu-west-1",
  ANNEX_SERVER_ID: "abc123.execute-api.eu-west-1.amazonaws.com",
  ANNEX_INSTANCE_ROLE_ARN: "arn:aws:iam::123456789012:role/cloud-annex-prod-InstanceRole-XYZ",
  ANNEX_ACCOUNT_ID: "123456789012",
  ANNEX_INSTANCE_PROFILE: "cloud-annex-prod-InstanceProfile-XYZ",
};

/** Setup ports over a deployed stack with this environment; nothing may be created. */
function ports(env: NodeJS.ProcessEnv, admins = ""): SetupPorts & { writes: string[] } {
  const writes: string[] = [];
  const write = (what: string) => async () => void writes.push(what);
  return {
    writes,
    names: { table: "t", functions: ["f"], instanceProfile: "p", securityGroup: "g", keyPair: "k" },
    admins: parseAdmins(admins),
    instanceProof: readInstanceProofConfig(env),
    store: {
      bucket: "b",
      bucketExists: async () => true,
      getSettings: async () => undefined,
      putSettings: write("settings"),
      getPoolSecret: async () => undefined,
      putPoolSecret: write("secret"),
      getHeartbeatKey: async () => undefined,
      putHeartbeatKey: write("heartbeat key"),
    },
    deployment: {
      tableExists: async () => true,
      missingFunctions: async () => [],
      instanceProfileArn: async () => "arn:aws:iam::123456789012:instance-profile/p",
    },
    network: {
      vpcId: async () => "vpc-1",
      findGroup: async () => undefined,
      groupExists: async () => false,
      createGroup: async () => {
        writes.push("security group");
        throw new Error("setup must stop before the security group");
      },
      allow: async () => writes.push("ingress") > 0,
      ingressRules: async () => [],
      revoke: write("revoke"),
      keyPairExists: async () => false,
      createKeyPair: async () => "",
    },
    clock: () => 0,
  };
}

const proofComponent = async (env: NodeJS.ProcessEnv) =>
  (await checkSetup(ports(env))).components.find((c) => c.name === "instance-proof");

describe("the instance proof's configuration", () => {
  it("is OK on a deployed stack: regional STS, the server id, our role", async () => {
    const proof: ProofSettings = readInstanceProofConfig(DEPLOYED);
    expect(proof.config).toEqual({
      stsUrl: "https://sts.eu-west-1.amazonaws.com/",
      stsRegion: "eu-west-1",
      serverId: DEPLOYED.ANNEX_SERVER_ID,
      role: {
        partition: "aws",
        accountId: "123456789012",
        name: "cloud-annex-prod-InstanceRole-XYZ",
      },
      instanceProfileName: DEPLOYED.ANNEX_INSTANCE_PROFILE,
    });
    expect(await proofComponent(DEPLOYED)).toMatchObject({ status: "ok", label: "instance proof" });
  });

  it("sends proofs to the endpoint the SDK would use locally (AWS_ENDPOINT_URL)", () => {
    const local = { ...DEPLOYED, AWS_ENDPOINT_URL: "http://127.0.0.1:4566" };
    expect(readInstanceProofConfig(local).config?.stsUrl).toBe("http://127.0.0.1:4566/");
    expect(
      readInstanceProofConfig({ ...local, AWS_ENDPOINT_URL_STS: "http://127.0.0.1:5000" }).config
        ?.stsUrl,
    ).toBe("http://127.0.0.1:5000/");
    expect(readInstanceProofConfig({ ...DEPLOYED, AWS_REGION: "cn-north-1" }).config?.stsUrl).toBe(
      "https://sts.cn-north-1.amazonaws.com.cn/",
    );
  });

  it.each([
    ["no server id", { ANNEX_SERVER_ID: "" }, "ANNEX_SERVER_ID is not set"],
    ["a server id with a quote", { ANNEX_SERVER_ID: "a'b" }, "ANNEX_SERVER_ID must be"],
    ["no role", { ANNEX_INSTANCE_ROLE_ARN: undefined }, "ANNEX_INSTANCE_ROLE_ARN is not set"],
    ["a role that is no ARN", { ANNEX_INSTANCE_ROLE_ARN: "role" }, "not an IAM role ARN"],
    ["a role of another account", { ANNEX_ACCOUNT_ID: "999999999999" }, "not 999999999999"],
    ["no region", { AWS_REGION: undefined }, "AWS_REGION is not set"],
    ["an endpoint that is no URL", { AWS_ENDPOINT_URL: "nowhere" }, "not an http(s) URL"],
  ])("is reported by check-setup with %s", async (_, change, problem) => {
    const component = await proofComponent({ ...DEPLOYED, ...change });
    expect(component).toMatchObject({ status: "missing" });
    expect(component?.hint).toContain(problem);
    expect(component?.hint).toContain("README, Deploying");
  });

  it("stops setup before anything is created when it is broken", async () => {
    const broken = ports({ ...DEPLOYED, ANNEX_SERVER_ID: "" });
    const answer = await runSetup(broken, {
      collectorHost: "cm",
      allowCidr: "10.0.0.0/8",
      poolPassword: "x",
    });
    expect(answer.ok).toBe(false);
    expect(answer.components.at(-1)).toMatchObject({ name: "instance-proof", status: "failed" });
    expect(broken.writes).toEqual([]);
  });
});

describe("setup by the stage's administrators only", () => {
  const body = { collectorHost: "cm", allowCidr: "10.0.0.0/8", poolPassword: "x" };
  const ADMIN = "arn:aws:iam::123456789012:user/alice";

  it("refuses anyone else with 403, naming who may, before anything changes", async () => {
    const setup = ports(DEPLOYED, ADMIN);
    const refusal = setupFromBody(setup, "arn:aws:iam::123456789012:user/mallory", body);
    await expect(refusal).rejects.toMatchObject({ status: 403 });
    await expect(refusal).rejects.toThrow(/administrators may run setup.*user\/alice/);
    expect(setup.writes).toEqual([]);
  });

  it("refuses a non-admin even with an invalid body (403 before 422)", async () => {
    const refusal = setupFromBody(ports(DEPLOYED, ADMIN), "arn:aws:iam::1:user/x", {});
    await expect(refusal).rejects.toMatchObject({ status: 403 });
  });

  it("refuses everyone (503) while ANNEX_ADMINS is malformed", async () => {
    const refusal = setupFromBody(ports(DEPLOYED, "alice"), ADMIN, body);
    await expect(refusal).rejects.toMatchObject({ status: 503 });
    await expect(refusal).rejects.toThrow(/not an IAM ARN: alice/);
  });

  it("lets an administrator through (setup runs)", async () => {
    const setup = ports(DEPLOYED, ADMIN);
    await expect(setupFromBody(setup, ADMIN, body)).rejects.toThrow(
      /stop before the security group/,
    );
    expect(setup.writes).toEqual(["security group"]);
  });

  it("with no administrator named, leaves the decision to IAM (the admin policy)", async () => {
    const setup = ports(DEPLOYED, "");
    await expect(setupFromBody(setup, "arn:aws:iam::1:user/x", body)).rejects.toThrow(
      /stop before the security group/,
    );
  });
});
