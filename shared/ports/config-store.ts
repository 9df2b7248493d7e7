/** Where the pool's settings and secrets and each annex's configuration bundle are kept (S3 in AWS). */

import type { PoolSecret, PoolSettings } from "../domain/settings.ts";

/** Settings, secrets (never returned by the API) and bundles. */
export interface ConfigStore {
  /** Where it is (the bucket name), for messages. */
  readonly bucket: string;
  bucketExists(): Promise<boolean>;
  getSettings(): Promise<PoolSettings | undefined>;
  putSettings(settings: PoolSettings): Promise<void>;
  getPoolSecret(): Promise<PoolSecret | undefined>;
  putPoolSecret(secret: PoolSecret): Promise<void>;
  /** The server secret heartbeat tokens are signed with, if setup stored one. */
  getHeartbeatKey(): Promise<string | undefined>;
  putHeartbeatKey(key: string): Promise<void>;
  /** Where an annex's bundle is (or will be) kept: known before it is uploaded, so an end can always delete it. */
  bundleKey(annexId: string): string;
  /** Uploads an annex's bundle; returns its key. */
  putBundle(annexId: string, bundle: Buffer): Promise<string>;
  deleteBundle(key: string): Promise<void>;
  /** A GET URL for one bundle that works for `seconds`. */
  presignBundle(key: string, seconds: number): Promise<string>;
}
