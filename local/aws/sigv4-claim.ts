/**
 * The claim a SigV4-signed request makes, read from its `Authorization` header: who signed
 * (credential scope), which headers, the signature, the signing time, the session token.
 */

/** A request as it arrived: raw header pairs (repeats allowed) and the body bytes. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as sent, e.g. `/?Action=…`. */
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

export interface SignatureClaim {
  accessKeyId: string;
  scope: { date: string; region: string; service: string };
  signedHeaders: string[];
  signature: string;
  /** `YYYYMMDDTHHMMSSZ`, from X-Amz-Date (or Date). */
  amzDate: string;
  securityToken?: string;
}

/** A signature that cannot be checked or does not match, with the code AWS answers. */
export class SignatureError extends Error {
  override name = "SignatureError";
  constructor(
    readonly code: "IncompleteSignature" | "SignatureDoesNotMatch",
    message: string,
  ) {
    super(message);
  }
}

const incomplete = (message: string) => new SignatureError("IncompleteSignature", message);

/** The request's headers, lower-cased, each with its values in arrival order. */
export function headersOf(request: ReceivedRequest): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? "").toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), request.rawHeaders[i + 1] ?? ""]);
  }
  return headers;
}

const httpDate = (value: string) => {
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().replace(/[-:]|\.\d{3}/g, "");
};

/** Reads the Authorization header's claim (credential scope, signed headers, signature). */
export function readClaim(request: ReceivedRequest): SignatureClaim {
  const headers = headersOf(request);
  const authorization = headers.get("authorization")?.[0] ?? "";
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(authorization.trim());
  if (!match)
    throw incomplete(
      "Sign the request in its Authorization header (AWS4-HMAC-SHA256): the local STS checks header signatures only, not presigned URLs.",
    );
  const parts = new Map(
    (match[1] ?? "").split(",").map((p) => {
      const [k = "", ...v] = p.trim().split("=");
      return [k, v.join("=")] as const;
    }),
  );
  const credential = parts.get("Credential")?.split("/") ?? [];
  const [accessKeyId, date, region, service, terminator] = credential;
  if (!accessKeyId || !date || !region || !service || terminator !== "aws4_request")
    throw incomplete(
      "Authorization header requires a Credential parameter of the form KEY/DATE/REGION/SERVICE/aws4_request.",
    );
  const signedHeaders = parts.get("SignedHeaders")?.split(";") ?? [];
  const signature = parts.get("Signature") ?? "";
  if (signedHeaders.length === 0 || signedHeaders[0] === "")
    throw incomplete("Authorization header requires 'SignedHeaders' parameter.");
  if (!/^[0-9a-f]{64}$/.test(signature))
    throw incomplete("Authorization header requires 'Signature' parameter.");
  if (!signedHeaders.includes("host"))
    throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  const amzDate = headers.get("x-amz-date")?.[0] ?? httpDate(headers.get("date")?.[0] ?? "");
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate))
    throw incomplete(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  return {
    accessKeyId,
    scope: { date, region, service },
    signedHeaders,
    signature,
    amzDate,
    securityToken: headers.get("x-amz-security-token")?.[0],
  };
}
