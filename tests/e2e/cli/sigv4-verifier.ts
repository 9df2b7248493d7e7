/**
 * Independent SigV4 verification for the CLI's signing tests: recompute the signature of a
 * received request with a separately constructed SignatureV4, and with the SigV4Auth of the
 * botocore that Debian's awscli vendors (`awscli.botocore`, under /usr/bin/python3).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Splits `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      header ?? "",
    );
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signed, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signed as string).split(";"),
    signature: signature as string,
  };
}

/** The signed headers as received, except the payload hash, which is recomputed from the body. */
function signedHeaderValues(request: ReceivedRequest, names: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    headers[name] = Array.isArray(value) ? value.join(",") : String(value ?? "");
  }
  if ("x-amz-content-sha256" in headers) {
    headers["x-amz-content-sha256"] = createHash("sha256").update(request.body).digest("hex");
  }
  return headers;
}

function signingDate(amzDate: string): Date {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate);
  if (!m) throw new Error(`bad x-amz-date ${amzDate}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

/** The signature a fresh SignatureV4 computes for the received request with `secretAccessKey`. */
export async function recomputeWithSmithy(
  request: ReceivedRequest,
  secretAccessKey: string,
): Promise<string | undefined> {
  const auth = parseAuthorization(request.headers.authorization);
  if (!auth) return undefined;
  const url = new URL(request.url, `http://${request.headers.host}`);
  const verifier = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await verifier.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: signedHeaderValues(request, auth.signedHeaders),
      body: request.body,
    },
    { signingDate: signingDate(String(request.headers["x-amz-date"])) },
  );
  return parseAuthorization(signed.headers.authorization)?.signature;
}

/** The interpreter Debian's awscli package runs under (and installs its botocore for). */
const PYTHON = "/usr/bin/python3";

/**
 * Importing `awscli` installs its alias finder, so that `botocore` is the copy vendored in
 * awscli/botocore, imported the way the AWS CLI itself imports it (importing
 * `awscli.botocore.auth` directly trips over a circular import in awscli 2.9).
 */
const BOTOCORE = `
import json, os, sys
import awscli
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
vendored = os.path.join(os.path.dirname(awscli.__file__), "botocore")
if os.path.dirname(botocore.__file__) != vendored:
    sys.exit("botocore is " + botocore.__file__ + ", not awscli's vendored copy")
d = json.load(sys.stdin)
req = AWSRequest(method=d["method"], url=d["url"], data=d["body"].encode("utf-8"), headers=d["headers"])
req.context["timestamp"] = d["amzDate"]
auth = SigV4Auth(Credentials(d["accessKeyId"], d["secret"]), d["service"], d["region"])
canonical = auth.canonical_request(req)
print(auth.signature(auth.string_to_sign(req, canonical), req))
`;

const INSTALL_HINT = "install the AWS CLI (apt-get install awscli), as .ci/run does";

/** The signature awscli's botocore SigV4Auth computes for the received request. */
export function recomputeWithBotocore(request: ReceivedRequest, secretAccessKey: string): string {
  const auth = parseAuthorization(request.headers.authorization);
  if (!auth) throw new Error("no SigV4 authorization header");
  const input = JSON.stringify({
    method: request.method,
    url: `https://${request.headers.host}${request.url}`,
    body: request.body,
    headers: signedHeaderValues(
      request,
      auth.signedHeaders.filter((h) => h !== "host"),
    ),
    amzDate: request.headers["x-amz-date"],
    accessKeyId: auth.accessKeyId,
    secret: secretAccessKey,
    service: auth.service,
    region: auth.region,
  });
  const result = spawnSync(PYTHON, ["-c", BOTOCORE], { input, encoding: "utf8" });
  if (result.error) {
    throw new Error(`cannot run ${PYTHON} (${result.error.message}); ${INSTALL_HINT}.`);
  }
  if (result.status !== 0) {
    const hint = /No module named 'awscli'/.test(result.stderr) ? `; ${INSTALL_HINT}` : "";
    throw new Error(`botocore failed: ${result.stderr.trim()}${hint}`);
  }
  return result.stdout.trim();
}
