/**
 * A small fake of what an instance talks to — IMDSv2 (with the instance role's credentials), the
 * cloud-annex API (/bootstrap, which checks the proof's signature as STS would; /heartbeat), the
 * bundle URL and the emulator's power-off route — scripted per test.
 */

import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readClaim, verifySignature } from "../../../local/aws/sigv4.ts";
import { buildConfigBundle } from "../../../shared/domain/condor-config.ts";

export const INSTANCE_ID = "i-0123456789abcdef0";
export const ANNEX_ID = "01JANNEXFAKE0000000000000A";
export const HEARTBEAT_TOKEN = "hb.c2VjcmV0LXRva2Vu.0123456789abcdef";
export const POOL_PASSWORD = "pool-password-never-logged";
export const BUNDLE_SECRET = "X-Amz-Signature=deadbeefcafef00d";
/** The instance role's credentials the fake IMDS hands out. */
export const ROLE = "annex-instance-role";
export const ROLE_CREDENTIALS = {
  AccessKeyId: "ASIAFAKEFAKEFAKEFAKE",
  SecretAccessKey: "role-secret-key-never-logged",
  Token: "role-session-token-never-logged",
};
/** The server id the fake deployment renders into the script. */
export const SERVER_ID = "fake-cloud.example";
/** Where the fake serves what the EC2 emulator serves: the instance's IMDS and power-off. */
export const IMDS_PATH = `/_imds/${INSTANCE_ID}`;
export const POWER_OFF_PATH = `/_ec2/instances/${INSTANCE_ID}/power-off`;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

export interface HeartbeatAnswer {
  leaseExpiresAtEpoch: number;
  instruction: "continue" | "drain" | "stop";
}

export interface FakeCloud {
  url: string;
  imdsUrl: string;
  apiUrl: string;
  powerOffUrl: string;
  requests: RecordedRequest[];
  /** HTTP statuses the next /bootstrap calls answer (then 200). */
  bootstrapFailures: number[];
  /** Answer /bootstrap with 503 forever. */
  bootstrapDown: boolean;
  lease: number;
  heartbeatAnswer: HeartbeatAnswer;
  bundle: Buffer;
  /** Whether the control route lists INSTANCE_ID as running; a power-off ends it. */
  ec2Running: boolean;
  /** The instance's user data (IMDS /latest/user-data and the control route). */
  userData: string;
  /** Serve no instance role in IMDS (launched without an instance profile). */
  noRole: boolean;
  /** The STS endpoint the script signs its proof for (this fake; nothing is sent there). */
  stsUrl: string;
  /** The proofs /bootstrap received, with whether each one's SigV4 signature verified. */
  proofs: Array<{ headers: Record<string, string>; url: string; body: string; verified: boolean }>;
  /** More metadata to serve, by path under `/latest/meta-data/` (e.g. `spot/instance-action`). */
  metadata: Record<string, string>;
  requestsTo(path: string): RecordedRequest[];
  stop(): Promise<void>;
}

/** Starts the fake on a free loopback port. */
export async function startFakeCloud(): Promise<FakeCloud> {
  const lease = Math.floor(Date.now() / 1000) + 3600;
  const cloud = {
    requests: [] as RecordedRequest[],
    bootstrapFailures: [] as number[],
    bootstrapDown: false,
    ec2Running: true,
    userData: "",
    noRole: false,
    proofs: [] as FakeCloud["proofs"],
    metadata: {} as Record<string, string>,
    lease,
    heartbeatAnswer: { leaseExpiresAtEpoch: lease, instruction: "continue" } as HeartbeatAnswer,
    bundle: buildConfigBundle({
      annex: {
        id: ANNEX_ID,
        name: "demo",
        owners: ["alice"],
        noOwner: false,
        idleTimeoutSeconds: 900,
        tags: {},
        createdAt: 0,
      },
      settings: { collectorHost: "cm.example.org" },
      secret: { poolPassword: POOL_PASSWORD },
    }),
  };
  const imdsToken = "imds-session-token";
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const recorded = {
      method: req.method ?? "",
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
      at: Date.now(),
    };
    cloud.requests.push(recorded);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === `${IMDS_PATH}/latest/api/token` && req.method === "PUT") {
      if (req.headers["x-aws-ec2-metadata-token-ttl-seconds"] === undefined) return json(400, {});
      return res.end(imdsToken);
    }
    if (path.startsWith(`${IMDS_PATH}/`)) {
      if (req.headers["x-aws-ec2-metadata-token"] !== imdsToken) return json(401, {});
      if (path === `${IMDS_PATH}/latest/user-data` && cloud.userData)
        return res.end(cloud.userData);
      const credentials = `${IMDS_PATH}/latest/meta-data/iam/security-credentials/`;
      if (path === credentials && !cloud.noRole) return res.end(`${ROLE}\n`);
      if (path === `${credentials}${ROLE}` && !cloud.noRole)
        return json(200, { Code: "Success", Type: "AWS-HMAC", ...ROLE_CREDENTIALS });
      const served = cloud.metadata[path.slice(`${IMDS_PATH}/latest/meta-data/`.length)];
      if (path.startsWith(`${IMDS_PATH}/latest/meta-data/`) && served !== undefined)
        return res.end(served);
      return json(404, {});
    }
    if (path === "/api/bootstrap" && req.method === "POST") {
      const proof = readProof(recorded.body);
      cloud.proofs.push(proof);
      if (!proof.verified) return json(403, { error: { code: "Forbidden", message: "refused" } });
      const failure = cloud.bootstrapDown ? 503 : cloud.bootstrapFailures.shift();
      if (failure !== undefined)
        return json(failure, { error: { code: "Unavailable", message: "try later" } });
      return json(200, {
        annexId: ANNEX_ID,
        annexName: "demo",
        instanceId: INSTANCE_ID,
        configUrl: `${url}/bundle/config.tar.gz?${BUNDLE_SECRET}`,
        heartbeatToken: HEARTBEAT_TOKEN,
        heartbeatIntervalSeconds: 60,
        leaseExpiresAt: new Date(cloud.lease * 1000).toISOString(),
        leaseExpiresAtEpoch: cloud.lease,
      });
    }
    if (path === "/bundle/config.tar.gz") {
      if (!req.url?.includes(BUNDLE_SECRET)) return json(403, {});
      res.writeHead(200, { "content-type": "application/gzip" });
      return res.end(cloud.bundle);
    }
    if (path === "/api/heartbeat" && req.method === "POST") {
      if (req.headers.authorization !== `Bearer ${HEARTBEAT_TOKEN}`) return json(403, {});
      const { leaseExpiresAtEpoch, instruction } = cloud.heartbeatAnswer;
      return json(200, {
        leaseExpiresAt: new Date(leaseExpiresAtEpoch * 1000).toISOString(),
        leaseExpiresAtEpoch,
        instruction,
      });
    }
    if (path === POWER_OFF_PATH && req.method === "POST") {
      cloud.ec2Running = false;
      return json(200, {});
    }
    if (path === "/_ec2/instances" && req.method === "GET") {
      const state = cloud.ec2Running ? "running" : "terminated";
      return json(200, {
        instances: [{ instanceId: INSTANCE_ID, state, userData: cloud.userData || undefined }],
      });
    }
    json(404, { error: { code: "NotFound", message: path } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(cloud, {
    url,
    imdsUrl: `${url}${IMDS_PATH}`,
    apiUrl: `${url}/api`,
    powerOffUrl: `${url}${POWER_OFF_PATH}`,
    stsUrl: `${url}/`,
    requestsTo: (path: string) => cloud.requests.filter((r) => r.path === path),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A proof as POST /bootstrap carries it, decoded, its signature checked as STS checks it. */
function readProof(text: string): FakeCloud["proofs"][number] {
  const body = JSON.parse(text) as Record<string, string>;
  const decode = (field: string) => Buffer.from(body[field] ?? "", "base64").toString("utf8");
  const headers = JSON.parse(decode("iamRequestHeaders")) as Record<string, string>;
  const request = {
    method: body.iamHttpRequestMethod ?? "",
    url: new URL(decode("iamRequestUrl")).pathname,
    rawHeaders: Object.entries(headers).flat(),
    body: Buffer.from(decode("iamRequestBody")),
  };
  let verified = true;
  try {
    verifySignature(request, readClaim(request), ROLE_CREDENTIALS.SecretAccessKey);
  } catch {
    verified = false;
  }
  return { headers, url: decode("iamRequestUrl"), body: decode("iamRequestBody"), verified };
}

/** A tar.gz of the given files; a value starting with `->` makes a symbolic link. */
export async function makeBundle(files: Record<string, string>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "annex-bundle-"));
  try {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      if (content.startsWith("->")) await symlink(content.slice(2), join(dir, name));
      else await writeFile(join(dir, name), content);
    }
    execFileSync("tar", ["-czf", `${dir}.tar.gz`, "-C", dir, "."]);
    return await readFile(`${dir}.tar.gz`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.tar.gz`, { force: true });
  }
}
