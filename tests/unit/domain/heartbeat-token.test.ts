import { describe, expect, it } from "vitest";
import {
  mintHeartbeatToken,
  verifyHeartbeatToken,
} from "../../../shared/domain/heartbeat-token.ts";

const secret = "k".repeat(32);
const annexId = "01J9ZQ3B5V6N7M8K9H0G1F2E3D";
const instanceId = "i-0123456789abcdef0";

describe("heartbeat tokens", () => {
  const token = mintHeartbeatToken(secret, annexId, instanceId);

  it("are 43 base64url characters and deterministic", () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mintHeartbeatToken(secret, annexId, instanceId)).toBe(token);
  });
  it("verify for the instance they were minted for", () => {
    expect(verifyHeartbeatToken(secret, token, annexId, instanceId)).toBe(true);
  });
  it("fail for another instance or another annex", () => {
    expect(verifyHeartbeatToken(secret, token, annexId, "i-0123456789abcdef1")).toBe(false);
    expect(verifyHeartbeatToken(secret, token, "01J9ZQ3B5V6N7M8K9H0G1F2E3E", instanceId)).toBe(
      false,
    );
  });
  it("fail under another secret", () => {
    expect(verifyHeartbeatToken("j".repeat(32), token, annexId, instanceId)).toBe(false);
  });
  it("cannot be confused by moving characters between the ids", () => {
    const a = mintHeartbeatToken(secret, "ab", "c");
    expect(verifyHeartbeatToken(secret, a, "a", "bc")).toBe(false);
  });
  it("fail when altered, truncated, padded or not a string", () => {
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (const bad of [
      flipped,
      token.slice(0, -1),
      `${token}=`,
      `${token}A`,
      "",
      42,
      undefined,
      Buffer.from(token),
    ]) {
      expect(verifyHeartbeatToken(secret, bad, annexId, instanceId), String(bad)).toBe(false);
    }
  });
  it("accept a binary secret", () => {
    const key = Buffer.alloc(32, 1);
    expect(
      verifyHeartbeatToken(key, mintHeartbeatToken(key, annexId, instanceId), annexId, instanceId),
    ).toBe(true);
  });
  it("refuse a secret shorter than 32 bytes", () => {
    expect(() => mintHeartbeatToken("short", annexId, instanceId)).toThrow(RangeError);
  });
});
