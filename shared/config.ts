/** Configuration read once from the environment; a missing variable fails at init, not mid-request. */

import {
  type ProofSettings,
  parseRoleArn,
  regionalStsUrl,
  SERVER_ID_PATTERN,
} from "./domain/instance-proof.ts";

/** The value of a required environment variable. */
export function getStringFromEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

/** A non-negative number from the environment, or the default. */
export function getNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative number, not '${raw}'`);
  }
  return value;
}

/** The value of an optional environment variable; undefined when unset or empty. */
export function getOptionalStringFromEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The instance proof's configuration from the environment, or every problem with it (never a
 * throw: bootstrap answers 503 and check-setup reports them). The STS endpoint is the service's
 * own: `AWS_ENDPOINT_URL_STS` or `AWS_ENDPOINT_URL` when set (the local AWS), else regional STS.
 */
export function readInstanceProofConfig(env: NodeJS.ProcessEnv = process.env): ProofSettings {
  const problems: string[] = [];
  const value = (name: string, what: string) => {
    const text = env[name];
    if (text === undefined || text === "") problems.push(`${name} is not set (${what})`);
    return text ?? "";
  };
  const region = value("AWS_REGION", "the region the service runs in");
  const stsUrl = stsEndpoint(env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL, region, problems);
  const serverId = value("ANNEX_SERVER_ID", "the name of this deployment in instance proofs");
  if (serverId !== "" && !SERVER_ID_PATTERN.test(serverId))
    problems.push("ANNEX_SERVER_ID must be letters, digits, '.', '_', ':' and '-'");
  const roleArn = value("ANNEX_INSTANCE_ROLE_ARN", "the role instances launch with");
  const role = parseRoleArn(roleArn);
  if (roleArn !== "" && role === undefined)
    problems.push(`ANNEX_INSTANCE_ROLE_ARN is not an IAM role ARN: ${roleArn}`);
  const account = env.ANNEX_ACCOUNT_ID;
  if (role !== undefined && account && account !== role.accountId)
    problems.push(`ANNEX_INSTANCE_ROLE_ARN is a role of account ${role.accountId}, not ${account}`);
  const instanceProfileName = value("ANNEX_INSTANCE_PROFILE", "the profile instances launch with");
  if (problems.length > 0 || role === undefined) return { problems };
  return { config: { stsUrl, stsRegion: region, serverId, role, instanceProfileName } };
}

function stsEndpoint(override: string | undefined, region: string, problems: string[]): string {
  if (override === undefined || override === "") return region ? regionalStsUrl(region) : "";
  try {
    const url = new URL(override);
    if (url.protocol === "https:" || url.protocol === "http:") return url.href;
  } catch {
    // reported below
  }
  problems.push(`AWS_ENDPOINT_URL(_STS) is not an http(s) URL: ${override}`);
  return "";
}
