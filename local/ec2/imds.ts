/**
 * The instance metadata service, one per instance, addressed by the router as
 * `/_imds/<instance-id>/latest/...`. IMDSv2 tokens (`PUT /latest/api/token`) are required unless
 * the instance was launched with `HttpTokens=optional`.
 */

import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Ec2Context } from "./core/context.ts";
import type { InstanceRecord } from "./core/state.ts";
import { type IdentitySigner, identityDocument } from "./identity.ts";
import { send } from "./protocol/http.ts";

type Tree = { [name: string]: string | Tree | undefined };

const iso = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");

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
    iam: i.iamInstanceProfile
      ? {
          info: JSON.stringify(
            {
              Code: "Success",
              LastUpdated: iso(i.launchTime),
              InstanceProfileArn: i.iamInstanceProfile.arn,
              InstanceProfileId: i.iamInstanceProfile.id,
            },
            null,
            2,
          ),
        }
      : undefined,
    spot: notice
      ? {
          "instance-action": JSON.stringify({ action: "terminate", time: iso(notice.terminateAt) }),
          "termination-time": iso(notice.terminateAt),
        }
      : undefined,
    tags:
      i.metadata.instanceTags === "enabled"
        ? { instance: Object.fromEntries(i.tags.map((t) => [t.Key, t.Value])) }
        : undefined,
  };
}

function rootTree(ctx: Ec2Context, signer: IdentitySigner, i: InstanceRecord, path: string): Tree {
  const document = identityDocument(ctx, i);
  const signature = path.includes("instance-identity/signature") ? signer.sign(document) : "";
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
  let node: string | Tree | undefined = tree;
  for (const part of path.split("/").filter(Boolean)) {
    if (node === undefined || typeof node === "string") return undefined;
    node = node[part];
  }
  return node;
}

const listing = (tree: Tree) =>
  Object.entries(tree)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (typeof v === "string" ? k : `${k}/`))
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
  const node = lookup(rootTree(ctx, signer, instance, path), path);
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
