/**
 * The local runner's stand-in for IAM: a caller is the local user its `x-annex-owner` header
 * names, and the stage's administrators (ANNEX_ADMINS) are local user names or IAM ARNs.
 */

export const LOCAL_ACCOUNT = "000000000000";

/** The IAM user ARN the local runner gives a caller (what API Gateway's IAM authorizer would). */
export const localUserArn = (name: string) => `arn:aws:iam::${LOCAL_ACCOUNT}:user/${name}`;

/** ANNEX_ADMINS for the functions: local user names become their user ARNs, ARNs stay as they are. */
export function localAdmins(entries: readonly string[]): string {
  return entries
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => (entry.startsWith("arn:") ? entry : localUserArn(entry)))
    .join(",");
}
