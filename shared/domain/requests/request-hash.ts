/** Request fingerprints (to tell a replay from a conflicting reuse of a clientToken) and EC2 tokens. */

import { createHash } from "node:crypto";

/** JSON with object keys sorted and undefined members dropped, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  const members = Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
  return `{${members.join(",")}}`;
}

/** SHA-256 (hex) of the canonical JSON of a normalized request: every field counts. */
export function requestHash(normalizedRequest: unknown): string {
  return createHash("sha256").update(canonicalJson(normalizedRequest)).digest("hex");
}

/** The EC2 ClientToken of an annex's launch: `${name}.${annexId}`, at most 64 ASCII characters. */
export function ec2ClientToken(name: string, annexId: string): string {
  const token = `${name}.${annexId}`;
  if (token.length > 64 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new RangeError(`EC2 client token for annex ${annexId} would exceed 64 ASCII characters`);
  }
  return token;
}
