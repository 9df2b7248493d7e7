/** Who is calling: the IAM principal the API Gateway IAM authorizer verified. */

import { ForbiddenError } from "../domain/errors.ts";

interface IamIdentity {
  userArn?: string | null;
  userId?: string | null;
}

/** The owner of the caller's annexes: the principal's ARN, with an assumed role's session kept. */
export function ownerFromIam(iam: IamIdentity | undefined | null): string {
  const arn = iam?.userArn;
  if (typeof arn !== "string" || arn === "") {
    throw new ForbiddenError("the caller's identity is unknown: sign requests with AWS SigV4");
  }
  return arn;
}

/** The short name of a principal ARN (user name or role session), the default HTCondor owner. */
export function shortNameOf(owner: string): string {
  const last = owner.split("/").pop() ?? owner;
  return last.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64) || "annex-user";
}
