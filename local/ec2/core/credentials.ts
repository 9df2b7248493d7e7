/**
 * Instance-profile credentials, as the metadata service serves them at
 * `iam/security-credentials/<role>`: temporary `ASIA…` keys with a session token, valid 6 hours
 * and rotated every hour, so new keys are always there well before the old expire ("at least five
 * minutes before", AWS documents). Old keys stay valid until they expire; each is bound to its
 * instance and role, which is what STS GetCallerIdentity answers for them.
 */

import { randomBytes } from "node:crypto";
import type { Ec2Context } from "./context.ts";
import type { InstanceRecord, RoleCredentialRecord } from "./state.ts";

export const credentialLifetimeMs = 6 * 3_600_000;
export const credentialRotationMs = 3_600_000;
/** How long an expired key is still recognised (so STS answers ExpiredToken, not an unknown key). */
const retainExpiredMs = 24 * 3_600_000;

const key = (accessKeyId: string) => `credentials:${accessKeyId}`;
const base32 = (bytes: number) =>
  [...randomBytes(bytes)].map((b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32]).join("");

function issue(ctx: Ec2Context, instance: InstanceRecord, roleName: string, at: number) {
  // Whole seconds, as the metadata service prints them.
  const now = Math.floor(at / 1000) * 1000;
  const record: RoleCredentialRecord = {
    accessKeyId: `ASIA${base32(16)}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    token: `IQoJb3JpZ2luX2Vj${randomBytes(384).toString("base64")}`,
    instanceId: instance.id,
    roleName,
    issuedAt: now,
    expiresAt: now + credentialLifetimeMs,
  };
  ctx.state.roleCredentials[record.accessKeyId] = record;
  instance.credentialKeys = [...(instance.credentialKeys ?? []), record.accessKeyId];
  ctx.scheduler.schedule(record.expiresAt + retainExpiredMs, key(record.accessKeyId));
  ctx.markDirty();
  return record;
}

/** The credentials the metadata service hands out now (issuing or rotating them when due). */
export function currentCredentials(
  ctx: Ec2Context,
  instance: InstanceRecord,
  roleName: string,
  now: number,
): RoleCredentialRecord {
  const latestKey = instance.credentialKeys?.[instance.credentialKeys.length - 1];
  const latest = latestKey ? ctx.state.roleCredentials[latestKey] : undefined;
  if (latest && latest.roleName === roleName && now < latest.issuedAt + credentialRotationMs)
    return latest;
  return issue(ctx, instance, roleName, now);
}

/** The credentials with this access key id, if the emulator ever issued them (and still recalls). */
export const findCredentials = (
  ctx: Ec2Context,
  accessKeyId: string,
): RoleCredentialRecord | undefined => ctx.state.roleCredentials[accessKeyId];

/** The scheduler's job for `credentials:<id>`: forgets a key a day after it expired. */
export function forgetCredentials(ctx: Ec2Context, accessKeyId: string, at: number): void {
  const record = ctx.state.roleCredentials[accessKeyId];
  if (!record || record.expiresAt + retainExpiredMs > at) return;
  delete ctx.state.roleCredentials[accessKeyId];
  const instance = ctx.state.instances[record.instanceId];
  if (instance?.credentialKeys)
    instance.credentialKeys = instance.credentialKeys.filter((k) => k !== accessKeyId);
  ctx.markDirty();
}

/** Re-creates the forgetting jobs after loading saved state. */
export function rescheduleCredentials(ctx: Ec2Context): void {
  for (const record of Object.values(ctx.state.roleCredentials))
    ctx.scheduler.schedule(record.expiresAt + retainExpiredMs, key(record.accessKeyId));
}
