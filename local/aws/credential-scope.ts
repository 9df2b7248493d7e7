/** Reads the SigV4 credential scope of a request: who signed it, for which region and service. */

import type { IncomingMessage } from "node:http";

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** Why a request's credential scope could not be read, as an AWS error code and message. */
export class ScopeError extends Error {
  override name = "ScopeError";
  constructor(
    readonly code: "MissingAuthenticationToken" | "IncompleteSignature",
    message: string,
  ) {
    super(message);
  }
}

const CREDENTIAL = /^([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request$/;

/** The scope from the `Authorization` header, or from `X-Amz-Credential` for presigned URLs. */
export function credentialScopeOf(req: IncomingMessage): CredentialScope {
  const header = req.headers.authorization;
  if (header !== undefined) return fromAuthorization(header);
  const query = new URL(req.url ?? "/", "http://local").searchParams.get("X-Amz-Credential");
  if (query !== null) return parseCredential(query);
  throw new ScopeError(
    "MissingAuthenticationToken",
    "Request is missing Authentication Token: sign it with AWS Signature Version 4.",
  );
}

function fromAuthorization(header: string): CredentialScope {
  const [algorithm, ...rest] = header.trim().split(/\s+/);
  if (algorithm !== "AWS4-HMAC-SHA256") {
    throw new ScopeError(
      "IncompleteSignature",
      `Unsupported authorization algorithm '${algorithm ?? ""}': use AWS4-HMAC-SHA256.`,
    );
  }
  const credential = rest
    .join(" ")
    .split(",")
    .map((part) => part.trim())
    .find((part) => part.startsWith("Credential="));
  if (credential === undefined) {
    throw new ScopeError("IncompleteSignature", "Authorization header is missing Credential=.");
  }
  return parseCredential(credential.slice("Credential=".length));
}

function parseCredential(value: string): CredentialScope {
  const match = CREDENTIAL.exec(value);
  if (match === null) {
    throw new ScopeError(
      "IncompleteSignature",
      "Credential must have the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request.",
    );
  }
  const [, accessKeyId = "", date = "", region = "", service = ""] = match;
  return { accessKeyId, date, region, service };
}
