/** Checks an EC2 instance identity document against the region's AWS RSA certificate (the base64 `signature`). */

import { createPublicKey, type KeyObject, verify } from "node:crypto";
import type { IdentityVerifier } from "../../ports/identity.ts";

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

/**
 * A verifier over one certificate (PEM; none, or an unusable one, verifies nothing). Malformed
 * input is simply not verified; it never throws.
 */
export function identityVerifier(certificatePem: string | undefined): IdentityVerifier {
  let key: KeyObject | undefined;
  return {
    verify(document, signature) {
      try {
        if (certificatePem === undefined) return false;
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
