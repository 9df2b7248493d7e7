import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RunInstancesCommand, type RunInstancesCommandInput } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAws, startLocalAws } from "../../../local/aws/server.ts";
import { ManualClock } from "../../../local/clock.ts";
import { credentialsOf } from "../../support/imds.ts";
import { ec2At, sendSigned, signGetCallerIdentity } from "../../support/sdk.ts";

const ROLE = "annex-instance-role";
const clock = new ManualClock(Date.UTC(2026, 0, 1));
let aws: LocalAws;

async function start(dataDir?: string): Promise<LocalAws> {
  const started = await startLocalAws({
    port: 0,
    inMemory: dataDir === undefined,
    dataDir,
    ec2: { clock, delays: { pendingMs: 1000, shuttingDownMs: 1000 } },
  });
  started.controlPlane.addInstanceProfile("annex-instance", ROLE);
  return started;
}

async function launch(on: LocalAws, input: Partial<RunInstancesCommandInput> = {}) {
  const ec2 = ec2At(on.endpoint, 1);
  const out = await ec2.send(
    new RunInstancesCommand({ ImageId: "ami-12345678", MinCount: 1, MaxCount: 1, ...input }),
  );
  ec2.destroy();
  clock.advance(1000);
  return out.Instances?.[0]?.InstanceId ?? "";
}

const withProfile = { IamInstanceProfile: { Name: "annex-instance" } };

async function get(on: LocalAws, id: string, path: string) {
  const base = `${on.endpoint}/_imds/${id}/latest`;
  const token = await (
    await fetch(`${base}/api/token`, {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" },
    })
  ).text();
  const res = await fetch(`${base}${path}`, { headers: { "x-aws-ec2-metadata-token": token } });
  return { status: res.status, body: await res.text() };
}

/** Whom STS says these credentials belong to, signed at the emulator's time. */
async function whoIs(on: LocalAws, credentials: Awaited<ReturnType<typeof credentialsOf>>) {
  const signed = await signGetCallerIdentity(credentials, {
    url: `${on.endpoint}/`,
    signingDate: new Date(clock.now()),
  });
  const answer = await sendSigned(on.endpoint, signed);
  return /<Arn>([^<]+)<\/Arn>/.exec(answer.body)?.[1] ?? /<Code>([^<]+)</.exec(answer.body)?.[1];
}

beforeAll(async () => {
  aws = await start();
});
afterAll(() => aws.stop());

describe("instance-profile credentials in the metadata service", () => {
  it("lists the profile's role and serves its credentials in EC2's shape", async () => {
    const id = await launch(aws, withProfile);
    expect(await get(aws, id, "/meta-data/iam/")).toEqual({
      status: 200,
      body: "info\nsecurity-credentials/",
    });
    expect(await get(aws, id, "/meta-data/iam/security-credentials/")).toEqual({
      status: 200,
      body: ROLE,
    });
    const { status, body } = await get(aws, id, `/meta-data/iam/security-credentials/${ROLE}`);
    expect(status).toBe(200);
    expect(body).toMatch(/^\{\n {2}"Code" : "Success",\n {2}"LastUpdated" : "/);
    const json = JSON.parse(body);
    expect(Object.keys(json)).toEqual([
      "Code",
      "LastUpdated",
      "Type",
      "AccessKeyId",
      "SecretAccessKey",
      "Token",
      "Expiration",
    ]);
    expect(json).toMatchObject({ Code: "Success", Type: "AWS-HMAC" });
    expect(json.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(json.SecretAccessKey).toHaveLength(40);
    expect(json.Token.length).toBeGreaterThan(100);
    expect(Date.parse(json.Expiration) - Date.parse(json.LastUpdated)).toBe(6 * 3_600_000);
    expect(json.LastUpdated).toBe(
      new Date(Math.floor(clock.now() / 1000) * 1000).toISOString().replace(".000Z", "Z"),
    );
  });

  it("answers 404 without a profile, for another role name, and for a profile without a role", async () => {
    const bare = await launch(aws);
    expect((await get(aws, bare, "/meta-data/iam/")).status).toBe(404);
    expect((await get(aws, bare, "/meta-data/iam/security-credentials/")).status).toBe(404);
    const profiled = await launch(aws, withProfile);
    expect(
      (await get(aws, profiled, "/meta-data/iam/security-credentials/other-role")).status,
    ).toBe(404);
    const unknown = await launch(aws, { IamInstanceProfile: { Name: "not-declared" } });
    expect((await get(aws, unknown, "/meta-data/iam/info")).status).toBe(200);
    expect((await get(aws, unknown, "/meta-data/iam/security-credentials/")).status).toBe(404);
  });

  it("binds credentials to their instance: each instance gets its own keys, and STS names it", async () => {
    const [a, b] = [await launch(aws, withProfile), await launch(aws, withProfile)];
    const [ca, cb] = [await credentialsOf(aws.endpoint, a), await credentialsOf(aws.endpoint, b)];
    expect(ca.accessKeyId).not.toBe(cb.accessKeyId);
    expect(await whoIs(aws, ca)).toBe(`arn:aws:sts::000000000000:assumed-role/${ROLE}/${a}`);
    expect(await whoIs(aws, cb)).toBe(`arn:aws:sts::000000000000:assumed-role/${ROLE}/${b}`);
    expect(JSON.stringify(aws.ec2.control.instances())).not.toContain(ca.secretAccessKey);
  });

  it("rotates them every hour; earlier keys stay valid until their own expiry", async () => {
    const id = await launch(aws, withProfile);
    const first = await credentialsOf(aws.endpoint, id);
    clock.advance(59 * 60_000);
    expect((await credentialsOf(aws.endpoint, id)).accessKeyId).toBe(first.accessKeyId);
    clock.advance(2 * 60_000);
    const second = await credentialsOf(aws.endpoint, id);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.expiration.getTime()).toBeGreaterThan(first.expiration.getTime());
    expect(await whoIs(aws, first)).toContain(id);
    clock.advance(first.expiration.getTime() - clock.now());
    expect(await whoIs(aws, first)).toBe("ExpiredToken");
    expect(await whoIs(aws, second)).toContain(id);
  });

  it("keeps issued credentials across a restart of the local AWS", async () => {
    const dir = mkdtempSync(join(tmpdir(), "annex-credentials-"));
    try {
      const before = await start(dir);
      const id = await launch(before, withProfile);
      const issued = await credentialsOf(before.endpoint, id);
      await before.stop();
      const after = await start(dir);
      try {
        expect((await credentialsOf(after.endpoint, id)).accessKeyId).toBe(issued.accessKeyId);
        expect(await whoIs(after, issued)).toBe(
          `arn:aws:sts::000000000000:assumed-role/${ROLE}/${id}`,
        );
      } finally {
        await after.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
