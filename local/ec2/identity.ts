/**
 * The instance identity document and its signature. Real EC2 signs with a per-region AWS key; the
 * emulator signs with a local RSA key whose self-signed certificate the local backend trusts. The
 * `signature` endpoint is the "base64-encoded signature" AWS documents: RSA (PKCS #1 v1.5) over a
 * SHA-256 digest of the exact document bytes, verifiable with `openssl dgst -sha256 -verify`.
 */

import { createSign, createVerify } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";
import type { Ec2Context } from "./core/context.ts";
import type { InstanceRecord } from "./core/state.ts";

export interface IdentitySigner {
  certificatePem: string;
  /** Base64 RSA-SHA256 signature of `document` (as served). */
  sign(document: string): string;
}

const keyFile = "identity-key.pem";
const certFile = "identity-cert.pem";

async function createKeyPair(region: string): Promise<{ key: string; cert: string }> {
  const now = Date.now();
  const pems = await generate(
    [{ name: "commonName", value: `ec2-instance-identity.${region}.local` }],
    {
      keySize: 2048,
      algorithm: "sha256",
      notBeforeDate: new Date(now - 86_400_000),
      notAfterDate: new Date(now + 10 * 365 * 86_400_000),
    },
  );
  return { key: pems.private, cert: pems.cert };
}

/** The signer, reusing the key and certificate saved under `stateDir` (or a fresh pair in memory). */
export async function loadSigner(
  stateDir: string | undefined,
  region: string,
): Promise<IdentitySigner> {
  let pair: { key: string; cert: string };
  if (stateDir && existsSync(join(stateDir, keyFile)) && existsSync(join(stateDir, certFile))) {
    pair = {
      key: await readFile(join(stateDir, keyFile), "utf8"),
      cert: await readFile(join(stateDir, certFile), "utf8"),
    };
  } else {
    pair = await createKeyPair(region);
    if (stateDir) {
      await writeFile(join(stateDir, keyFile), pair.key, { mode: 0o600 });
      await writeFile(join(stateDir, certFile), pair.cert);
    }
  }
  return {
    certificatePem: pair.cert,
    sign: (document) => createSign("sha256").update(document).sign(pair.key, "base64"),
  };
}

/** Checks a signature against a certificate (what the backend does; handy in tests). */
export const verifyIdentity = (
  document: string,
  signature: string,
  certificatePem: string,
): boolean => createVerify("sha256").update(document).verify(certificatePem, signature, "base64");

const isoSeconds = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");

/** JSON as the metadata service prints it: two-space indents and `" : "` separators. */
export const ec2Json = (value: object): string =>
  JSON.stringify(value, null, 2).replace(/^(\s+"[^"]+"):/gm, "$1 :");

/** The identity document as EC2 serves it: pretty-printed JSON with `" : "` separators. */
export function identityDocument(ctx: Ec2Context, instance: InstanceRecord): string {
  const document = {
    accountId: ctx.accountId,
    architecture: instance.architecture,
    availabilityZone: instance.availabilityZone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: instance.imageId,
    instanceId: instance.id,
    instanceType: instance.instanceType,
    kernelId: null,
    pendingTime: isoSeconds(instance.launchTime),
    privateIp: instance.privateIp,
    ramdiskId: null,
    region: ctx.region,
    version: "2017-09-30",
  };
  return ec2Json(document);
}
