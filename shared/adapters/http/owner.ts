/** Who is calling: the IAM principal the API Gateway IAM authorizer verified. */

import { ForbiddenError } from "../../domain/errors.ts";

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
