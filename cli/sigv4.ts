/** SigV4 signing (`execute-api`) for requests to a deployed stage. */
import { Sha256 } from "@aws-crypto/sha256-js";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { SignatureV4 } from "@smithy/signature-v4";
import { readFile } from "./checks.ts";
import { UsageError } from "./errors.ts";

/** Static credentials, as condor_annex's key files hold them. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
type CredentialSource = StaticCredentials | (() => Promise<StaticCredentials>);

/** What a request looks like to the signer and to the transport. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Returns the headers to send (the given ones plus the signature's). */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

/** A signer for API Gateway's IAM authorizer. */
export function createSigner(region: string, credentials: CredentialSource): RequestSigner {
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  return async ({ method, url, headers, body }) => {
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    try {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        headers: { ...headers, host: url.host },
        body,
      });
      return signed.headers;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UsageError(
        `no AWS credentials to sign requests to ${url.host} (${reason}); set AWS_PROFILE, run 'aws sso login', or give -aws-access-key-file and -aws-secret-key-file.`,
      );
    }
  };
}

/** condor_annex's key files if given (both), else the standard chain (env, profiles, SSO, …). */
export function credentialSource(
  files: { accessKeyFile?: string; secretKeyFile?: string },
  readText: (path: string) => string,
): CredentialSource {
  const { accessKeyFile, secretKeyFile } = files;
  if ((accessKeyFile === undefined) !== (secretKeyFile === undefined)) {
    throw new UsageError("-aws-access-key-file and -aws-secret-key-file go together.");
  }
  if (accessKeyFile === undefined || secretKeyFile === undefined) return fromNodeProviderChain();
  const accessKeyId = readFile({ readText }, accessKeyFile, "access key file").trim();
  const secretAccessKey = readFile({ readText }, secretKeyFile, "secret key file").trim();
  if (!accessKeyId || !secretAccessKey) throw new UsageError("an AWS key file is empty.");
  return { accessKeyId, secretAccessKey };
}
