import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EC2Client,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyIdentity } from "../../../local/ec2/index.ts";
import { base64, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startEc2({
    delays: { pendingMs: 1000, shuttingDownMs: 1000, terminatedVisibleMs: 60_000 },
  });
  ec2 = t.client();
});
afterAll(() => t.stop());

async function launch(input: Partial<RunInstancesCommandInput> = {}): Promise<string> {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-0abcdef1234567890",
      InstanceType: "c5.large",
      MinCount: 1,
      MaxCount: 1,
      ...input,
    }),
  );
  t.clock.advance(1000);
  return out.Instances?.[0]?.InstanceId ?? "";
}

const base = (id: string) => `${t.endpoint}/_imds/${id}`;

async function token(id: string, ttl = "21600"): Promise<string> {
  const res = await fetch(`${base(id)}/latest/api/token`, {
    method: "PUT",
    headers: { "x-aws-ec2-metadata-token-ttl-seconds": ttl },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("x-aws-ec2-metadata-token-ttl-seconds")).toBe(ttl);
  return res.text();
}

async function get(
  id: string,
  path: string,
  session?: string,
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base(id)}${path}`, {
    headers: session ? { "x-aws-ec2-metadata-token": session } : {},
  });
  return { status: res.status, body: await res.text() };
}

describe("instance metadata (IMDSv2)", () => {
  it("requires a session token by default: 401 without, the value with", async () => {
    const id = await launch();
    expect((await get(id, "/latest/meta-data/instance-id")).status).toBe(401);
    const session = await token(id);
    expect(await get(id, "/latest/meta-data/instance-id", session)).toEqual({
      status: 200,
      body: id,
    });
    expect((await get(id, "/latest/meta-data/instance-id", "forged")).status).toBe(401);
  });

  it("serves the common metadata paths", async () => {
    const id = await launch({ Placement: { AvailabilityZone: "us-east-1c" } });
    const session = await token(id);
    const value = async (path: string) =>
      (await get(id, `/latest/meta-data/${path}`, session)).body;
    expect(await value("instance-type")).toBe("c5.large");
    expect(await value("placement/region")).toBe("us-east-1");
    expect(await value("placement/availability-zone")).toBe("us-east-1c");
    expect(await value("local-ipv4")).toMatch(/^172\.31\.32\.\d+$/);
    expect(await value("ami-id")).toBe("ami-0abcdef1234567890");
    expect((await value("")).split("\n")).toEqual(
      expect.arrayContaining(["instance-id", "placement/", "local-ipv4"]),
    );
  });

  it("checks the token TTL header and binds a token to its instance and lifetime", async () => {
    const id = await launch();
    const other = await launch();
    const missing = await fetch(`${base(id)}/latest/api/token`, { method: "PUT" });
    expect(missing.status).toBe(400);
    const short = await token(id, "10");
    expect((await get(other, "/latest/meta-data/instance-id", short)).status).toBe(401);
    t.clock.advance(10_000);
    expect((await get(id, "/latest/meta-data/instance-id", short)).status).toBe(401);
  });

  it("answers without a token when the instance allows IMDSv1 (HttpTokens optional)", async () => {
    const id = await launch({ MetadataOptions: { HttpTokens: "optional" } });
    expect(await get(id, "/latest/meta-data/instance-id")).toEqual({ status: 200, body: id });
  });

  it("serves user data, and 404 when there is none", async () => {
    const withData = await launch({ UserData: base64("#!/bin/bash\necho bootstrap\n") });
    expect((await get(withData, "/latest/user-data", await token(withData))).body).toBe(
      "#!/bin/bash\necho bootstrap\n",
    );
    const without = await launch();
    expect((await get(without, "/latest/user-data", await token(without))).status).toBe(404);
  });

  it("answers 404 for spot/instance-action until an interruption notice exists", async () => {
    const id = await launch({ InstanceMarketOptions: { MarketType: "spot" } });
    const session = await token(id);
    expect((await get(id, "/latest/meta-data/spot/instance-action", session)).status).toBe(404);
    t.emulator.control.interruptSpot(id);
    expect(
      JSON.parse((await get(id, "/latest/meta-data/spot/instance-action", session)).body).action,
    ).toBe("terminate");
  });

  it("answers 404 for unknown and terminated instances", async () => {
    expect(
      (
        await fetch(`${base("i-0000000000000beef")}/latest/api/token`, {
          method: "PUT",
          headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" },
        })
      ).status,
    ).toBe(404);
    const id = await launch();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    t.clock.advance(1000);
    expect((await get(id, "/latest/meta-data/instance-id")).status).toBe(404);
  });
});

describe("instance identity document", () => {
  it("describes the instance like EC2's and is signed with the key whose certificate the backend trusts", async () => {
    const launchedAt = t.clock.now();
    const id = await launch({ Placement: { AvailabilityZone: "us-east-1a" } });
    const session = await token(id);
    const document = (await get(id, "/latest/dynamic/instance-identity/document", session)).body;
    const signature = (await get(id, "/latest/dynamic/instance-identity/signature", session)).body;
    expect(JSON.parse(document)).toMatchObject({
      accountId: "000000000000",
      architecture: "x86_64",
      availabilityZone: "us-east-1a",
      imageId: "ami-0abcdef1234567890",
      instanceId: id,
      instanceType: "c5.large",
      pendingTime: new Date(launchedAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
      privateIp: expect.stringMatching(/^172\.31\./),
      region: "us-east-1",
      version: "2017-09-30",
    });
    expect(document).toContain('"instanceId" : ');
    expect(verifyIdentity(document, signature, t.emulator.identityCertificatePem)).toBe(true);
    expect(
      verifyIdentity(
        document.replace(id, "i-0000000000000beef"),
        signature,
        t.emulator.identityCertificatePem,
      ),
    ).toBe(false);
  });

  it("verifies with openssl as AWS documents for the base64-encoded signature", async () => {
    const id = await launch();
    const session = await token(id);
    const dir = mkdtempSync(join(tmpdir(), "iid-"));
    try {
      writeFileSync(
        join(dir, "document"),
        (await get(id, "/latest/dynamic/instance-identity/document", session)).body,
      );
      const signature = (await get(id, "/latest/dynamic/instance-identity/signature", session))
        .body;
      writeFileSync(join(dir, "signature"), Buffer.from(signature, "base64"));
      writeFileSync(join(dir, "certificate"), t.emulator.identityCertificatePem);
      execFileSync("openssl", [
        "x509",
        "-pubkey",
        "-noout",
        "-in",
        join(dir, "certificate"),
        "-out",
        join(dir, "key"),
      ]);
      const out = execFileSync("openssl", [
        "dgst",
        "-sha256",
        "-verify",
        join(dir, "key"),
        "-signature",
        join(dir, "signature"),
        join(dir, "document"),
      ]);
      expect(out.toString().trim()).toBe("Verified OK");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
