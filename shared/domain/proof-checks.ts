/**
 * The rules an instance's proof must meet before it is sent to STS, and how STS's answer is
 * read: only a session of our instance role in our account, named after an instance.
 */

import {
  BootstrapRefusedError,
  GET_CALLER_IDENTITY_BODY,
  type InstanceProofConfig,
  type InstanceRole,
  PROOF_MAX_SKEW_SECONDS,
  SERVER_ID_HEADER,
} from "./instance-proof.ts";
import { INSTANCE_ID_PATTERN } from "./requests/common.ts";

/** A proof as the instance sent it, decoded: the parts of its signed request. */
export interface SignedProof {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const refuse = (reason: string): never => {
  throw new BootstrapRefusedError(reason);
};

/** The header names that must not be forwarded: they would change how the request is framed. */
const FRAMING = /^(connection|transfer-encoding|te|trailer|upgrade|keep-alive|expect|proxy-.*)$/;

const sameUrl = (a: string, b: string) => {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
};

/** The SignedHeaders of a SigV4 Authorization header (empty when it is not one). */
function signedHeadersOf(authorization: string | undefined): string[] {
  const match = /^AWS4-HMAC-SHA256 .*\bSignedHeaders=([a-z0-9;-]+)/.exec(authorization ?? "");
  return match?.[1]?.split(";") ?? [];
}

/** Epoch seconds of an `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`), or undefined. */
function amzDateSeconds(value: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
  if (!m) return undefined;
  const at = Date.UTC(
    +(m[1] ?? 0),
    +(m[2] ?? 1) - 1,
    +(m[3] ?? 0),
    +(m[4] ?? 0),
    +(m[5] ?? 0),
    +(m[6] ?? 0),
  );
  return Number.isNaN(at) ? undefined : at / 1000;
}

/**
 * Checks a proof before anything is sent: a POST of exactly GetCallerIdentity, signed for our STS
 * endpoint, naming our server id in a signed header, signed within 15 minutes of `now`. Returns
 * the headers to send as they are; throws BootstrapRefusedError with the reason.
 */
export function checkProof(
  proof: SignedProof,
  config: InstanceProofConfig,
  now: number,
): Record<string, string> {
  if (proof.method !== "POST") refuse(`the signed request is a ${proof.method}, not a POST`);
  if (!sameUrl(proof.url, config.stsUrl))
    refuse(`the request was signed for ${proof.url}, not for ${config.stsUrl}`);
  if (proof.body !== GET_CALLER_IDENTITY_BODY)
    refuse("the signed request is not exactly sts:GetCallerIdentity");
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(proof.headers)) {
    const key = name.toLowerCase();
    if (lower.has(key)) refuse(`header ${key} is given twice`);
    if (FRAMING.test(key)) refuse(`header ${key} may not be forwarded`);
    lower.set(key, value);
  }
  const length = lower.get("content-length");
  if (length !== undefined && length !== String(Buffer.byteLength(proof.body)))
    refuse("content-length does not match the body");
  const host = new URL(config.stsUrl).host;
  if (lower.get("host") !== host)
    refuse(`the request was signed for host ${lower.get("host")}, not ${host}`);
  const serverId = lower.get(SERVER_ID_HEADER);
  if (serverId === undefined) refuse(`the proof carries no ${SERVER_ID_HEADER} header`);
  if (serverId !== config.serverId)
    refuse(`the proof was signed for another deployment (${SERVER_ID_HEADER}: ${serverId})`);
  if (!signedHeadersOf(lower.get("authorization")).includes(SERVER_ID_HEADER))
    refuse(`${SERVER_ID_HEADER} is not among the signed headers`);
  const signedAt = amzDateSeconds(lower.get("x-amz-date"));
  if (signedAt === undefined) refuse("the proof carries no X-Amz-Date");
  if (Math.abs(now - (signedAt ?? 0)) > PROOF_MAX_SKEW_SECONDS)
    refuse(`the proof was signed at ${lower.get("x-amz-date")}, more than 15 minutes from now`);
  return proof.headers;
}

/** Who signed, as STS answered it: the session of an assumed role. */
export interface Signer {
  /** The assumed role's name. */
  roleName: string;
  /** EC2 names an instance profile's session after the instance. */
  instanceId: string;
  /** Whether it is our instance role. */
  ours: boolean;
}

/**
 * Reads STS's answer `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`: a role
 * session of our account whose session name is an instance id, else BootstrapRefusedError.
 */
export function signerOf(arn: string, role: InstanceRole): Signer {
  const match = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/(.{1,64})$/.exec(
    arn,
  );
  if (!match) return refuse(`the proof was signed by ${arn}, not by an instance role`);
  const [, partition, accountId, roleName = "", session = ""] = match;
  if (partition !== role.partition || accountId !== role.accountId)
    refuse(`the proof was signed in another account (${arn})`);
  if (!INSTANCE_ID_PATTERN.test(session))
    refuse(`the proof was signed by role session ${session}, not by an instance`);
  return { roleName, instanceId: session, ours: roleName === role.name };
}
