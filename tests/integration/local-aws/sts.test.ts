import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromInstanceMetadata } from "@aws-sdk/credential-providers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAws, startLocalAws } from "../../../local/aws/server.ts";
import { ManualClock } from "../../../local/clock.ts";
import { awsCliRun } from "../../support/aws-cli.ts";
import { credentialsOf, type ImdsCredentials, imdsEndpointOf } from "../../support/imds.ts";
import { ec2At, sendSigned, signGetCallerIdentity, stsAt } from "../../support/sdk.ts";

// The SDK and the CLI sign with the wall clock, so the emulator's clock starts there.
const clock = new ManualClock(Date.now());
let aws: LocalAws;
let instanceId = "";
let role: ImdsCredentials;

const ROLE = "annex-instance-role";

beforeAll(async () => {
  aws = await startLocalAws({
    port: 0,
    inMemory: true,
    ec2: { clock, delays: { pendingMs: 1000, shuttingDownMs: 1000 } },
  });
  aws.controlPlane.addInstanceProfile("annex-instance", ROLE);
  const ec2 = ec2At(aws.endpoint, 1);
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-12345678",
      MinCount: 1,
      MaxCount: 1,
      IamInstanceProfile: { Name: "annex-instance" },
    }),
  );
  ec2.destroy();
  instanceId = out.Instances?.[0]?.InstanceId ?? "";
  clock.advance(1000);
  role = await credentialsOf(aws.endpoint, instanceId);
});
afterAll(() => aws.stop());

const assumedRole = () => `arn:aws:sts::000000000000:assumed-role/${ROLE}/${instanceId}`;

/** A signed GetCallerIdentity for the local endpoint, sent as a service forwarding a proof would. */
async function call(
  credentials: Parameters<typeof signGetCallerIdentity>[0],
  options: { signingDate?: Date; headers?: Record<string, string> } = {},
) {
  const signed = await signGetCallerIdentity(credentials, {
    url: `${aws.endpoint}/`,
    signingDate: options.signingDate ?? new Date(clock.now()),
    headers: options.headers,
  });
  return { signed, answer: await sendSigned(aws.endpoint, signed) };
}

const codeOf = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
const messageOf = (body: string) => /<Message>([^<]*)<\/Message>/.exec(body)?.[1];

describe("STS GetCallerIdentity", () => {
  it("answers the assumed role and instance for credentials the SDK reads from the instance's metadata", async () => {
    const imds = await imdsEndpointOf(aws.endpoint, instanceId);
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
    try {
      const sts = stsAt(aws.endpoint, fromInstanceMetadata());
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      expect(identity.Arn).toBe(assumedRole());
      expect(identity.Account).toBe("000000000000");
      expect(identity.UserId).toMatch(new RegExp(`^AROA[A-Z2-7]{17}:${instanceId}$`));
    } finally {
      delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      await imds.close();
    }
  });

  it("answers a local user for the static test credentials", async () => {
    const sts = stsAt(aws.endpoint);
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(identity).toMatchObject({
      Arn: "arn:aws:iam::000000000000:user/test",
      Account: "000000000000",
    });
    expect(identity.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it("is answered to the AWS CLI with the instance's credentials, from the environment or from IMDS", async () => {
    const fromEnv = await awsCliRun(aws.endpoint, ["sts", "get-caller-identity"], {
      env: {
        AWS_ACCESS_KEY_ID: role.accessKeyId,
        AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
        AWS_SESSION_TOKEN: role.sessionToken,
      },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(JSON.parse(fromEnv.stdout).Arn).toBe(assumedRole());
    const imds = await imdsEndpointOf(aws.endpoint, instanceId);
    try {
      const fromImds = await awsCliRun(aws.endpoint, ["sts", "get-caller-identity"], {
        // botocore appends the path to the endpoint as it is, so it ends with a slash.
        env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: `${imds.url}/` },
      });
      expect(fromImds.code, fromImds.stderr).toBe(0);
      expect(JSON.parse(fromImds.stdout).Arn).toBe(assumedRole());
    } finally {
      await imds.close();
    }
  });

  it("refuses a forged signature, from the SDK and from the CLI, with SignatureDoesNotMatch (403)", async () => {
    const forged = {
      ...role,
      secretAccessKey: `${role.secretAccessKey.slice(0, -1)}${role.secretAccessKey.endsWith("x") ? "y" : "x"}`,
    };
    const { answer } = await call(forged);
    expect([answer.status, codeOf(answer.body)]).toEqual([403, "SignatureDoesNotMatch"]);
    expect(messageOf(answer.body)).toMatch(/^The request signature we calculated does not match/);
    const sts = stsAt(aws.endpoint, { accessKeyId: "test", secretAccessKey: "wrong" });
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403 },
    });
    sts.destroy();
    const cli = await awsCliRun(aws.endpoint, ["sts", "get-caller-identity"], {
      env: { AWS_ACCESS_KEY_ID: "clitest", AWS_SECRET_ACCESS_KEY: "not-clitest" },
    });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain("SignatureDoesNotMatch");
  });

  it("refuses unknown keys and missing or mismatched session tokens with InvalidClientTokenId (403)", async () => {
    const refusals = await Promise.all([
      call({ ...role, accessKeyId: "ASIAAAAAAAAAAAAAAAAA" }),
      call({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" }),
      call({ accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey }),
      call({ ...role, sessionToken: `${role.sessionToken}x` }),
      call({ accessKeyId: "test", secretAccessKey: "test", sessionToken: role.sessionToken }),
    ]);
    for (const { answer } of refusals) {
      expect([answer.status, codeOf(answer.body)]).toEqual([403, "InvalidClientTokenId"]);
      expect(messageOf(answer.body)).toBe("The security token included in the request is invalid.");
    }
  });

  it("refuses a signature more than 15 minutes old or ahead, in STS's words", async () => {
    const now = clock.now();
    const basic = (at: number) => new Date(at).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const signedAt = Math.floor((now - 16 * 60_000) / 1000) * 1000;
    const old = await call(role, { signingDate: new Date(signedAt) });
    expect([old.answer.status, codeOf(old.answer.body)]).toEqual([403, "SignatureDoesNotMatch"]);
    expect(messageOf(old.answer.body)).toBe(
      `Signature expired: ${basic(signedAt)} is now earlier than ${basic(now - 15 * 60_000)} (${basic(now)} - 15 min.)`,
    );
    const ahead = await call(role, { signingDate: new Date(now + 16 * 60_000) });
    expect(messageOf(ahead.answer.body)).toMatch(
      /^Signature not yet current: \d{8}T\d{6}Z is still later than/,
    );
  });

  it("verifies every signed header: a tampered deployment header, body or host is refused", async () => {
    const { signed, answer } = await call(role, { headers: { "x-annex-server-id": "stage-a" } });
    expect(answer.status, answer.body).toBe(200);
    expect(signed.headers.authorization).toContain("x-annex-server-id");
    const otherStage = await sendSigned(aws.endpoint, {
      ...signed,
      headers: { ...signed.headers, "x-annex-server-id": "stage-b" },
    });
    const otherBody = await sendSigned(aws.endpoint, {
      ...signed,
      body: "Action=GetCallerIdentity&Version=2011-06-15&X=1",
    });
    const otherHost = await sendSigned(aws.endpoint, {
      ...signed,
      headers: { ...signed.headers, host: "sts.amazonaws.com" },
    });
    for (const refused of [otherStage, otherBody, otherHost])
      expect([refused.status, codeOf(refused.body)]).toEqual([403, "SignatureDoesNotMatch"]);
  });

  it("accepts a replay within 15 minutes, as STS does, and refuses it once the signature expired", async () => {
    const { signed, answer } = await call(role);
    expect(answer.status).toBe(200);
    expect((await sendSigned(aws.endpoint, signed)).status).toBe(200);
    clock.advance(15 * 60_000 + 1000);
    const late = await sendSigned(aws.endpoint, signed);
    expect([late.status, codeOf(late.body)]).toEqual([403, "SignatureDoesNotMatch"]);
    expect(messageOf(late.body)).toMatch(/^Signature expired: /);
  });

  it("answers ExpiredToken (403) once the instance credentials expired, however freshly signed", async () => {
    clock.advance(role.expiration.getTime() - clock.now());
    const { answer } = await call(role);
    expect([answer.status, codeOf(answer.body)]).toEqual([403, "ExpiredToken"]);
    expect(messageOf(answer.body)).toBe("The security token included in the request is expired");
    const fresh = await credentialsOf(aws.endpoint, instanceId);
    expect(fresh.accessKeyId).not.toBe(role.accessKeyId);
    expect((await call(fresh)).answer.status).toBe(200);
  });

  it("answers the other STS actions UnsupportedOperation, and an unsigned request MissingAuthenticationToken", async () => {
    const sts = stsAt(aws.endpoint);
    sts.config.systemClockOffset = clock.now() - Date.now();
    await expect(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: "arn:aws:iam::000000000000:role/x",
          RoleSessionName: "s",
        }),
      ),
    ).rejects.toMatchObject({ name: "UnsupportedOperation" });
    sts.destroy();
    const unsigned = await fetch(aws.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain("MissingAuthenticationToken");
  });
});
