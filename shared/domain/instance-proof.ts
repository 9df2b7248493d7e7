/**
 * How an instance proves who it is (the model: HashiCorp Vault's AWS auth, `iam` type): it signs
 * `sts:GetCallerIdentity` with its instance-profile credentials, a header naming this deployment
 * among the signed ones, and posts the signed request; the service sends it to its own STS
 * endpoint and believes only our instance role. Where the proof goes and what it must name; the
 * checks themselves are in proof-checks.ts.
 */

import { DomainError, type ErrorOptions, ForbiddenError, oneLine } from "./errors.ts";

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
