/**
 * The instance metadata service, one per instance, addressed by the router as
 * `/_imds/<instance-id>/latest/...`. IMDSv2 tokens (`PUT /latest/api/token`) are required unless
 * the instance was launched with `HttpTokens=optional`.
 */

import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Ec2Context } from "./core/context.ts";
import { currentCredentials } from "./core/credentials.ts";
import type { InstanceRecord } from "./core/state.ts";
import { ec2Json, type IdentitySigner, identityDocument } from "./identity.ts";
import { send } from "./protocol/http.ts";

/** A metadata tree; a function is a value computed only when that path is read. */
type Tree = { [name: string]: string | (() => string) | Tree | undefined };

const iso = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The role of the instance's profile, as IAM knows it (none: no credentials are served). */
function roleOf(ctx: Ec2Context, i: InstanceRecord): string | undefined {
  const name = i.iamInstanceProfile?.arn.split("/").pop();
  return name === undefined ? undefined : ctx.roleOfInstanceProfile(name);
}

/** `iam/`: the profile's info, and its role's credentials under `security-credentials/<role>`. */
function iamTree(ctx: Ec2Context, i: InstanceRecord): Tree | undefined {
  const profile = i.iamInstanceProfile;
  if (!profile) return undefined;
  const role = roleOf(ctx, i);
  const credentials = () => {
    const c = currentCredentials(ctx, i, role ?? "", ctx.clock.now());
    return ec2Json({
      Code: "Success",
      LastUpdated: iso(c.issuedAt),
      Type: "AWS-HMAC",
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      Token: c.token,
      Expiration: iso(c.expiresAt),
    });
  };
  return {
    info: ec2Json({
      Code: "Success",
      LastUpdated: iso(i.launchTime),
      InstanceProfileArn: profile.arn,
      InstanceProfileId: profile.id,
    }),
    "security-credentials": role === undefined ? undefined : { [role]: credentials },
  };
}

/** `events/`: scheduled maintenance (none) and the rebalance recommendation once EC2 made one. */
const eventsTree = (i: InstanceRecord): Tree => ({
  maintenance: { history: "[]", scheduled: "[]" },
  recommendations:
    i.rebalanceAt === undefined
      ? undefined
      : { rebalance: `{"noticeTime": "${iso(i.rebalanceAt)}"}` },
});

/** IMDSv2 session tokens, bound to one instance each. */
export class ImdsTokens {
  private readonly tokens = new Map<string, { instanceId: string; expiresAt: number }>();

  issue(instanceId: string, ttlSeconds: number, now: number): string {
    for (const [token, t] of this.tokens) if (t.expiresAt <= now) this.tokens.delete(token);
    const token = randomBytes(42).toString("base64");
    this.tokens.set(token, { instanceId, expiresAt: now + ttlSeconds * 1000 });
    return token;
  }

  valid(token: string, instanceId: string, now: number): boolean {
    const t = this.tokens.get(token);
    return t !== undefined && t.instanceId === instanceId && t.expiresAt > now;
  }
}

function metadataTree(ctx: Ec2Context, i: InstanceRecord): Tree {
  const hostname = `ip-${i.privateIp.replaceAll(".", "-")}.${ctx.region === "us-east-1" ? "ec2.internal" : `${ctx.region}.compute.internal`}`;
  const notice = i.interruption;
  const zoneId = ctx.state.subnets[i.subnetId]?.availabilityZoneId;
  return {
    "ami-id": i.imageId,
    "ami-launch-index": String(i.amiLaunchIndex),
    hostname,
    "instance-action": "none",
    "instance-id": i.id,
    "instance-life-cycle": i.lifecycle ?? "on-demand",
    "instance-type": i.instanceType,
    "local-hostname": hostname,
    "local-ipv4": i.privateIp,
    placement: {
      "availability-zone": i.availabilityZone,
      "availability-zone-id": zoneId,
      region: ctx.region,
    },
    "reservation-id": i.reservationId,
    "security-groups": i.groupIds.map((id) => ctx.state.securityGroups[id]?.name ?? id).join("\n"),
    events: eventsTree(i),
    iam: iamTree(ctx, i),
    spot: notice
      ? {
          "instance-action": `{"action": "terminate", "time": "${iso(notice.terminateAt)}"}`,
          "termination-time": iso(notice.terminateAt),
        }
      : undefined,
    tags:
      i.metadata.instanceTags === "enabled"
        ? { instance: Object.fromEntries(i.tags.map((t) => [t.Key, t.Value])) }
        : undefined,
  };
}

function rootTree(ctx: Ec2Context, signer: IdentitySigner, i: InstanceRecord): Tree {
  const document = identityDocument(ctx, i);
  const signature = () => signer.sign(document);
  return {
    latest: {
      "meta-data": metadataTree(ctx, i),
      "user-data":
        i.userData === undefined ? undefined : Buffer.from(i.userData, "base64").toString("latin1"),
      dynamic: { "instance-identity": { document, signature } },
    },
  };
}

function lookup(tree: Tree, path: string): string | Tree | undefined {
  let node: Tree[string] = tree;
  for (const part of path.split("/").filter(Boolean)) {
    if (node === undefined || typeof node !== "object") return undefined;
    node = node[part];
  }
  return typeof node === "function" ? node() : node;
}

const listing = (tree: Tree) =>
  Object.entries(tree)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (typeof v === "object" ? `${k}/` : k))
    .join("\n");

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const answer = (status: number, body: string, headers?: Record<string, string>): Answer => ({
  status,
  body,
  headers,
});

const serving = (i: InstanceRecord | undefined): i is InstanceRecord =>
  i !== undefined && ["pending", "running", "stopping", "shutting-down"].includes(i.state);

/** Answers one metadata request for `instanceId` (`path` as the instance would use it). */
export function handleImdsRequest(
  ctx: Ec2Context,
  signer: IdentitySigner,
  tokens: ImdsTokens,
  req: IncomingMessage,
  res: ServerResponse,
  instanceId: string,
  path: string,
): void {
  const { status, body, headers } = imdsAnswer(ctx, signer, tokens, req, instanceId, path);
  send(res, status, Buffer.from(body, "latin1"), { "content-type": "text/plain", ...headers });
}

function imdsAnswer(
  ctx: Ec2Context,
  signer: IdentitySigner,
  tokens: ImdsTokens,
  req: IncomingMessage,
  instanceId: string,
  path: string,
): Answer {
  const now = ctx.clock.now();
  ctx.scheduler.runDue(now);
  const instance = ctx.state.instances[instanceId];
  if (!serving(instance) || instance.metadata.httpEndpoint === "disabled")
    return answer(404, "Not Found");
  if (req.method === "PUT" && path.replace(/\/$/, "") === "/latest/api/token")
    return issueToken(tokens, req, instanceId, now);
  if (req.method !== "GET" && req.method !== "HEAD")
    return answer(405, "Method Not Allowed", { allow: "GET, HEAD, PUT" });
  const token = req.headers["x-aws-ec2-metadata-token"];
  const hasToken = typeof token === "string" && token !== "";
  if (
    hasToken ? !tokens.valid(token, instanceId, now) : instance.metadata.httpTokens === "required"
  )
    return answer(401, "Unauthorized");
  const node = lookup(rootTree(ctx, signer, instance), path);
  if (node === undefined) return answer(404, "Not Found");
  return answer(200, typeof node === "string" ? node : listing(node));
}

function issueToken(
  tokens: ImdsTokens,
  req: IncomingMessage,
  instanceId: string,
  now: number,
): Answer {
  if (req.headers["x-forwarded-for"] !== undefined) return answer(403, "Forbidden");
  const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return answer(400, "Bad Request");
  const token = tokens.issue(instanceId, ttl, now);
  return answer(200, token, { "x-aws-ec2-metadata-token-ttl-seconds": String(ttl) });
}
