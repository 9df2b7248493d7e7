/** Per-instance heartbeat tokens: HMAC-SHA256 of the annex and instance ids under a server secret. */

import { createHmac, timingSafeEqual } from "node:crypto";

/** Shortest accepted server secret, in bytes. */
export const MIN_SECRET_BYTES = 32;

function mac(secret: string | Uint8Array, annexId: string, instanceId: string): Buffer {
  const key = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
  if (key.length < MIN_SECRET_BYTES) {
    throw new RangeError(`heartbeat secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (!annexId || !instanceId) throw new RangeError("annex id and instance id are required");
  // A JSON array keeps the two ids apart whatever they contain.
  const message = JSON.stringify(["annex-heartbeat/v1", annexId, instanceId]);
  return createHmac("sha256", key).update(message).digest();
}

/** The token an instance presents with each heartbeat (base64url, 43 characters). */
export function mintHeartbeatToken(
  secret: string | Uint8Array,
  annexId: string,
  instanceId: string,
): string {
  return mac(secret, annexId, instanceId).toString("base64url");
}

/** Whether a token was minted for exactly this annex and instance (constant-time comparison). */
export function verifyHeartbeatToken(
  secret: string | Uint8Array,
  token: unknown,
  annexId: string,
  instanceId: string,
): boolean {
  if (typeof token !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
  const presented = Buffer.from(token, "base64url");
  if (presented.toString("base64url") !== token) return false;
  return timingSafeEqual(presented, mac(secret, annexId, instanceId));
}
