/** Checks an EC2 instance identity document against the region's AWS RSA certificate (the base64 `signature`). */

import { createPublicKey, type KeyObject, verify } from "node:crypto";

/** Whether `pem` is a certificate (or public key) that signatures can be checked against. */
export function isUsableCertificate(pem: string | undefined): boolean {
  if (pem === undefined || pem.trim() === "") return false;
  try {
    createPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}

/** A verifier over one certificate (PEM). Malformed input is simply not verified; it never throws. */
export function identityVerifier(certificatePem: string): {
  verify(document: string, signature: string): boolean;
} {
  let key: KeyObject | undefined;
  return {
    verify(document, signature) {
      try {
        key ??= createPublicKey(certificatePem);
        return verify(
          "sha256",
          Buffer.from(document, "utf8"),
          key,
          Buffer.from(signature.replace(/\s+/g, ""), "base64"),
        );
      } catch {
        return false;
      }
    },
  };
}
