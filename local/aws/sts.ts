/**
 * STS for the local endpoint (Query protocol, API version 2011-06-15): `GetCallerIdentity`, with
 * the request's SigV4 signature verified as STS verifies it, for the instance-profile credentials
 * the EC2 emulator issued (answering `assumed-role/<role>/<instance-id>`) and for local users'
 * long-term keys. Refusals use STS's codes, statuses and messages.
 */

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as sts from "@aws-sdk/client-sts";
import type { Clock } from "../clock.ts";
import type { RoleCredentialRecord } from "../ec2/index.ts";
import { readBodyBytes } from "../ec2/protocol/http.ts";
import { escapeXml } from "../ec2/protocol/xml.ts";
import { type ControlPlane, uniqueIdOf } from "./control-plane.ts";
import {
  checkSigningTime,
  readClaim,
  type SignatureClaim,
  SignatureError,
  verifySignature,
} from "./sigv4.ts";

const namespace = "https://sts.amazonaws.com/doc/2011-06-15/";

export interface StsDependencies {
  accountId: string;
  clock: Clock;
  controlPlane: Pick<ControlPlane, "userOf">;
  roleCredentials(accessKeyId: string): RoleCredentialRecord | undefined;
}

/** An STS error answer. */
class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const invalidToken = () =>
  new StsError(
    "InvalidClientTokenId",
    "The security token included in the request is invalid.",
    403,
  );

interface Caller {
  secret: string;
  arn: string;
  userId: string;
}

/** Who signed: instance-profile credentials (token required and current) or a local user's key. */
function callerOf(claim: SignatureClaim, deps: StsDependencies, now: number): Caller {
  const account = deps.accountId;
  if (claim.accessKeyId.startsWith("ASIA")) {
    const role = deps.roleCredentials(claim.accessKeyId);
    if (!role || claim.securityToken !== role.token) throw invalidToken();
    if (now >= role.expiresAt)
      throw new StsError(
        "ExpiredToken",
        "The security token included in the request is expired",
        403,
      );
    return {
      secret: role.secretAccessKey,
      arn: `arn:aws:sts::${account}:assumed-role/${role.roleName}/${role.instanceId}`,
      userId: `${uniqueIdOf("AROA", role.roleName)}:${role.instanceId}`,
    };
  }
  const user = deps.controlPlane.userOf(claim.accessKeyId);
  if (!user || claim.securityToken !== undefined) throw invalidToken();
  return {
    secret: user.secretAccessKey,
    arn: `arn:aws:iam::${account}:user/${user.userName}`,
    userId: uniqueIdOf("AIDA", user.userName),
  };
}

function actionOf(url: string, body: Buffer): string {
  const query = new URL(url, "http://local").searchParams;
  const form = new URLSearchParams(body.toString("utf8"));
  const action = form.get("Action") ?? query.get("Action") ?? "";
  if (action === "GetCallerIdentity") return action;
  if (Array.isArray((sts as Record<string, unknown>)[`${action}$`]))
    throw new StsError(
      "UnsupportedOperation",
      `The local STS serves only GetCallerIdentity, not ${action}.`,
      400,
    );
  throw new StsError(
    "InvalidAction",
    `Could not find operation ${action} for version 2011-06-15`,
    400,
  );
}

function send(
  res: ServerResponse,
  status: number,
  xml: string,
  now: number,
  requestId: string,
): void {
  res.writeHead(status, {
    "content-type": "text/xml",
    "x-amzn-requestid": requestId,
    date: new Date(now).toUTCString(),
  });
  res.end(xml);
}

/** Answers one STS request (the router chose service `sts`; the body is unread). */
export async function handleSts(
  req: IncomingMessage,
  res: ServerResponse,
  deps: StsDependencies,
): Promise<void> {
  const requestId = randomUUID();
  const now = deps.clock.now();
  try {
    const received = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      rawHeaders: req.rawHeaders,
      body: await readBodyBytes(req),
    };
    const claim = readClaim(received);
    const caller = callerOf(claim, deps, now);
    checkSigningTime(claim.amzDate, now);
    verifySignature(received, claim, caller.secret);
    actionOf(received.url, received.body);
    send(
      res,
      200,
      `<GetCallerIdentityResponse xmlns="${namespace}"><GetCallerIdentityResult><Arn>${escapeXml(caller.arn)}</Arn><UserId>${escapeXml(caller.userId)}</UserId><Account>${deps.accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      now,
      requestId,
    );
  } catch (error) {
    const known =
      error instanceof StsError
        ? error
        : error instanceof SignatureError
          ? new StsError(
              error.code,
              error.message,
              error.code === "IncompleteSignature" ? 400 : 403,
            )
          : error instanceof RangeError && error.message === "request body too large"
            ? new StsError("RequestEntityTooLarge", "The request body is too large.", 413)
            : undefined;
    if (!known) throw error;
    send(
      res,
      known.status,
      `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${known.code}</Code><Message>${escapeXml(known.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      now,
      requestId,
    );
  }
}
