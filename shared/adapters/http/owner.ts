/** Who is calling: the IAM principal the API Gateway IAM authorizer verified. */

import { ForbiddenError, MalformedRequestError } from "../../domain/errors.ts";

/** An IAM principal ARN: a user, a role, or an assumed role's session. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]{1,512}$/;

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

/** The owner a direct invocation names (the invoker is trusted through IAM): an IAM principal ARN. */
export function ownerFromPayload(owner: unknown): string {
  if (typeof owner !== "string" || !PRINCIPAL_ARN.test(owner)) {
    throw new MalformedRequestError(
      "a direct invocation must name its caller in 'owner', as an IAM principal ARN",
    );
  }
  return owner;
}
