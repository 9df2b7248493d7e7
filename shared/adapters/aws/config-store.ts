/** The config bucket: pool settings, pool secrets (never returned), and each annex's config bundle. */

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { PoolSecret, PoolSettings } from "../../domain/settings.ts";
import type { ConfigStore } from "../../ports/config-store.ts";
import { errorName } from "./sdk-errors.ts";

const SETTINGS_KEY = "pool/settings.json";
const POOL_SECRET_KEY = "pool/secrets/pool.json";
const HEARTBEAT_KEY = "pool/secrets/heartbeat-key";

/** Where an annex's bundle lives in the bucket. */
const bundleKey = (annexId: string) => `annexes/${annexId}/config.tar.gz`;

/** Settings, secrets and bundles in one S3 bucket. */
export class S3ConfigStore implements ConfigStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async bucketExists(): Promise<boolean> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404 || status === 403) return false;
      throw error;
    }
  }

  getSettings = () => this.getJson<PoolSettings>(SETTINGS_KEY);
  putSettings = (settings: PoolSettings) =>
    this.put(SETTINGS_KEY, JSON.stringify(settings, null, 2), "application/json");
  getPoolSecret = () => this.getJson<PoolSecret>(POOL_SECRET_KEY);
  putPoolSecret = (secret: PoolSecret) =>
    this.put(POOL_SECRET_KEY, JSON.stringify(secret), "application/json");

  /** The server secret heartbeat tokens are signed with, if setup stored one. */
  async getHeartbeatKey(): Promise<string | undefined> {
    const body = await this.getBytes(HEARTBEAT_KEY);
    return body?.toString("utf8");
  }

  putHeartbeatKey = (key: string) => this.put(HEARTBEAT_KEY, key, "text/plain");

  bundleKey = bundleKey;

  /** Uploads an annex's bundle; returns its key. */
  async putBundle(annexId: string, bundle: Buffer): Promise<string> {
    const key = bundleKey(annexId);
    await this.put(key, bundle, "application/gzip");
    return key;
  }

  async deleteBundle(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** A GET URL for one bundle that works for `seconds`. */
  presignBundle(key: string, seconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: seconds,
    });
  }

  private async put(key: string, body: string | Buffer, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    const body = await this.getBytes(key);
    return body === undefined ? undefined : (JSON.parse(body.toString("utf8")) as T);
  }

  private async getBytes(key: string): Promise<Buffer | undefined> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(
        await (
          result.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
    } catch (error) {
      // No bucket holds no object either: check-setup reports the bucket, and nothing as stored.
      if (error instanceof NoSuchKey || ABSENT.has(errorName(error))) return undefined;
      throw error;
    }
  }
}

const ABSENT = new Set(["NoSuchKey", "NoSuchBucket"]);
