/**
 * How an instance proves who it is (the model: HashiCorp Vault's AWS auth, `iam` type): it signs
 * `sts:GetCallerIdentity` with its instance-profile credentials, a header naming this deployment
 * among the signed ones, and posts the signed request; the service sends it to its own STS
 * endpoint and believes only our instance role. These are the rules, and where the proof goes.
 */

import { DomainError, type ErrorOptions, ForbiddenError, oneLine } from "./errors.ts";
import { INSTANCE_ID_PATTERN } from "./requests/common.ts";

/** The only body a proof may carry. */
export const GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15";
/** The signed header naming the deployment a proof is for, so it is worth nothing elsewhere. */
export const SERVER_ID_HEADER = "x-annex-server-id";
/** A proof signed further than this from now is refused (STS's own limit on signatures). */
export const PROOF_MAX_SKEW_SECONDS = 15 * 60;
/** What a server id may be: it is written into user data and sent as a header. */
export const SERVER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;

/** Our instance role: the only role whose sessions are believed. */
export interface InstanceRole {
  partition: string;
  accountId: string;
  /** The role's name (an assumed-role ARN carries the name, not the path). */
  name: string;
}

/** Where proofs go and what they must name. */
export interface InstanceProofConfig {
  /** This service's STS endpoint (regional STS; locally the local AWS), with a trailing `/`. */
  stsUrl: string;
  /** The region instances sign for (their STS endpoint's). */
  stsRegion: string;
  serverId: string;
  role: InstanceRole;
  /** The instance profile our instances launch with (holding `role`). */
  instanceProfileName: string;
}

/** The proof configuration, or what is wrong with it (reported by check-setup; the routes answer 503). */
export type ProofSettings =
  | { config: InstanceProofConfig; problems?: undefined }
  | { config?: undefined; problems: string[] };

/** A proof as the instance sent it, decoded: the parts of its signed request. */
export interface SignedProof {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A refused bootstrap: the caller sees "bootstrap refused", the reason goes to the audit trail or the log. */
export class BootstrapRefusedError extends ForbiddenError {
  readonly reason: string;
  constructor(reason: string) {
    super("bootstrap refused");
    this.name = "BootstrapRefusedError";
    this.reason = oneLine(reason);
  }
}

/** STS did not answer, failed or throttled: the proof could not be checked now (503; the instance retries). */
export class StsUnavailableError extends DomainError {
  readonly code = "StsUnavailable";
  readonly status = 503;
  constructor(detail: string, options?: ErrorOptions) {
    super(`STS cannot check the instance proof right now (${detail}); retry`, options);
    this.name = "StsUnavailableError";
  }
}

const refuse = (reason: string): never => {
  throw new BootstrapRefusedError(reason);
};

/** Regional STS (`sts.<region>.amazonaws.com`, `.com.cn` in China), which signs for its region. */
export function regionalStsUrl(region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sts.${region}.${suffix}/`;
}

/** The role an `arn:<partition>:iam::<account>:role/[path/]<name>` names, or undefined. */
export function parseRoleArn(arn: string): InstanceRole | undefined {
  const match = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(
    arn,
  );
  if (!match) return undefined;
  const [, partition = "", accountId = "", name = ""] = match;
  return { partition, accountId, name };
}

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
