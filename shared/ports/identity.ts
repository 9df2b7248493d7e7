/** How an instance proves who it is: its identity document and the signature AWS made of it. */

/** Checks identity documents; malformed input simply does not verify. */
export interface IdentityVerifier {
  verify(document: string, signature: string): boolean;
}
