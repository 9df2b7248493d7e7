/** SDK clients pointed at a local AWS endpoint, and signed STS requests for identity fixtures. */

import { request } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { PricingClient } from "@aws-sdk/client-pricing";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

const testCredentials = { accessKeyId: "test", secretAccessKey: "test" };

const base = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  credentials: testCredentials,
});

export const dynamoDbAt = (endpoint: string) => new DynamoDBClient(base(endpoint));
export const s3At = (endpoint: string) => new S3Client({ ...base(endpoint), forcePathStyle: true });
export const ec2At = (endpoint: string, maxAttempts = 3) =>
  new EC2Client({ ...base(endpoint), maxAttempts });
export const pricingAt = (endpoint: string) =>
  new PricingClient({ ...base(endpoint), maxAttempts: 1 });

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** An STS client signing with `credentials` (the static test key by default), or a provider's. */
export const stsAt = (
  endpoint: string,
  credentials: Credentials | AwsCredentialIdentityProvider = testCredentials,
) => new STSClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

/** A signed request, in the parts a proof carries (Vault's `iam` login: method, URL, headers, body). */
export interface SignedRequest {
  method: "POST";
  url: string;
  headers: Record<string, string>;
  body: string;
}

export const GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15";

/**
 * Signs `sts:GetCallerIdentity` for `url` with `credentials`, as an instance signs its proof;
 * `headers` (e.g. `x-annex-server-id`) are signed too. `signingDate` defaults to now.
 */
export async function signGetCallerIdentity(
  credentials: Credentials,
  options: {
    url: string;
    region?: string;
    headers?: Record<string, string>;
    signingDate?: Date;
  },
): Promise<SignedRequest> {
  const url = new URL(options.url);
  const signer = new SignatureV4({
    service: "sts",
    region: options.region ?? "us-east-1",
    sha256: Sha256,
    credentials,
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === "" ? undefined : Number(url.port),
      path: url.pathname,
      headers: {
        host: url.host,
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        ...options.headers,
      },
      body: GET_CALLER_IDENTITY_BODY,
    },
    { signingDate: options.signingDate },
  );
  return {
    method: "POST",
    url: url.toString(),
    headers: signed.headers as Record<string, string>,
    body: GET_CALLER_IDENTITY_BODY,
  };
}

/**
 * Sends a signed request to `endpoint` with its own headers, `Host` included (as a service
 * forwarding a proof to STS does), and returns the status and body.
 */
export function sendSigned(
  endpoint: string,
  signed: SignedRequest,
): Promise<{ status: number; body: string }> {
  const target = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: signed.method,
        path: new URL(signed.url).pathname,
        headers: signed.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on("error", reject);
    req.end(signed.body);
  });
}

/** Every pool object setup stores (settings, secret, heartbeat key) with its content. */
export async function poolObjects(endpoint: string): Promise<Record<string, string>> {
  const s3 = s3At(endpoint);
  const bucket = "cloud-annex-local-config";
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "pool/" }));
  const objects: Record<string, string> = {};
  for (const { Key } of listed.Contents ?? []) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    objects[Key ?? ""] = (await object.Body?.transformToString()) ?? "";
  }
  s3.destroy();
  return objects;
}
