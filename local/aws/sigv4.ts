/**
 * AWS Signature Version 4, checked on the receiving side as AWS services check it: the canonical
 * request rebuilt from what arrived (method, path, query, the signed headers, the body's SHA-256),
 * the string to sign, the derived signing key, and a constant-time comparison. Written from the
 * published algorithm ("Create a signed AWS API request", IAM User Guide), independently of the
 * SDK's signer, so that both the SDK and botocore (the AWS CLI) are checked against it.
 */

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import {
  headersOf,
  type ReceivedRequest,
  type SignatureClaim,
  SignatureError,
} from "./sigv4-claim.ts";

export {
  type ReceivedRequest,
  readClaim,
  type SignatureClaim,
  SignatureError,
} from "./sigv4-claim.ts";

/** RFC 3986 encoding, as SigV4 requires (encodeURIComponent leaves !'()* alone). */
const encode = (text: string) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

const decode = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** The canonical URI of a non-S3 request: dot segments removed, each segment encoded again. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return `/${segments.map(encode).join("/")}${trailing}`;
}

function canonicalQuery(query: string): string {
  return query
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const [k = "", ...v] = pair.split("=");
      return [encode(decode(k)), encode(decode(v.join("=")))] as const;
    })
    .filter(([k]) => k !== "X-Amz-Signature")
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) =>
  createHmac("sha256", key).update(data).digest();

/** The canonical request AWS would rebuild from what arrived. */
export function canonicalRequest(request: ReceivedRequest, claim: SignatureClaim): string {
  const headers = headersOf(request);
  const [path = "/", query = ""] = request.url.split(/\?(.*)/s);
  const canonicalHeaders = claim.signedHeaders
    .map(
      (name) =>
        `${name}:${(headers.get(name) ?? []).map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`,
    )
    .join("");
  const payloadHash = sha256(request.body);
  const declared = headers.get("x-amz-content-sha256")?.[0];
  if (declared !== undefined && declared !== payloadHash)
    throw new SignatureError(
      "SignatureDoesNotMatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
  return [
    request.method,
    canonicalPath(path),
    canonicalQuery(query),
    canonicalHeaders,
    claim.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

/** The signature `secret` would have produced for this request. */
export function expectedSignature(
  request: ReceivedRequest,
  claim: SignatureClaim,
  secret: string,
): string {
  const { date, region, service } = claim.scope;
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = [
    "AWS4-HMAC-SHA256",
    claim.amzDate,
    scope,
    sha256(canonicalRequest(request, claim)),
  ].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
  return createHmac("sha256", key).update(toSign).digest("hex");
}

/** Throws SignatureDoesNotMatch unless the claim's signature is the one `secret` gives. */
export function verifySignature(
  request: ReceivedRequest,
  claim: SignatureClaim,
  secret: string,
): void {
  if (claim.scope.date !== claim.amzDate.slice(0, 8))
    throw new SignatureError(
      "SignatureDoesNotMatch",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scope.date}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`,
    );
  const expected = Buffer.from(expectedSignature(request, claim, secret));
  const given = Buffer.from(claim.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new SignatureError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
}

const basic = (at: number) => new Date(at).toISOString().replace(/[-:]|\.\d{3}/g, "");
const fromBasic = (amzDate: string) =>
  Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );

const skewMs = 15 * 60_000;

/** Throws AWS's "Signature expired" / "not yet current" when the signing time is over 15 minutes off. */
export function checkSigningTime(amzDate: string, now: number): void {
  const signed = fromBasic(amzDate);
  if (signed < now - skewMs)
    throw new SignatureError(
      "SignatureDoesNotMatch",
      `Signature expired: ${amzDate} is now earlier than ${basic(now - skewMs)} (${basic(now)} - 15 min.)`,
    );
  if (signed > now + skewMs)
    throw new SignatureError(
      "SignatureDoesNotMatch",
      `Signature not yet current: ${amzDate} is still later than ${basic(now + skewMs)} (${basic(now)} + 15 min.)`,
    );
}
