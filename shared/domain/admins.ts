/**
 * The stage's administrators: the only principals that may change the pool (POST /setup). Named
 * at deploy time as IAM ARNs (ANNEX_ADMINS); with none named, IAM alone decides (the stack's
 * admin policy lets API Gateway through only its holders).
 */

import { ForbiddenError, NotConfiguredError } from "./errors.ts";

/** An IAM principal ARN: a user, a role, the account root, or an assumed role's session. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(root|[\w+=,.@/-]{1,512})$/;

/** The administrators as configured, or what is wrong with the list. */
export type AdminSettings = { admins: string[]; problem?: undefined } | { problem: string };

/** Reads a comma-separated list of IAM ARNs (empty: no administrator is named). */
export function parseAdmins(list: string | undefined): AdminSettings {
  const admins = (list ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const bad = admins.find((arn) => !PRINCIPAL_ARN.test(arn));
  return bad === undefined
    ? { admins }
    : { problem: `ANNEX_ADMINS lists something that is not an IAM ARN: ${bad}` };
}

/**
 * Whether `caller` is one of `admins`: the same ARN, or a session of an assumed role whose role
 * is listed (`arn:aws:sts::A:assumed-role/R/s` is an admin when `arn:aws:iam::A:role/R`, with
 * any path, is listed).
 */
export function isAdmin(caller: string, admins: readonly string[]): boolean {
  if (admins.includes(caller)) return true;
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(
    caller,
  );
  if (!session) return false;
  const [, partition, account, role] = session;
  return admins.some((arn) => {
    const listed = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
    return (
      listed !== null && listed[1] === partition && listed[2] === account && listed[3] === role
    );
  });
}

/**
 * Refuses (403, naming who may) a caller that is not an administrator; none named lets IAM
 * decide. A malformed list refuses everyone (503: the deployment must be fixed).
 */
export function requireAdmin(caller: string, settings: AdminSettings, action: string): void {
  if (settings.problem !== undefined)
    throw new NotConfiguredError(
      `no one may ${action} until the deployment is fixed: ${settings.problem}`,
    );
  if (settings.admins.length === 0 || isAdmin(caller, settings.admins)) return;
  throw new ForbiddenError(
    `only the stage's administrators may ${action}: ${settings.admins.join(", ")} (ANNEX_ADMINS); you are ${caller}`,
  );
}
