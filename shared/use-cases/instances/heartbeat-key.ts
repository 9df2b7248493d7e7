/**
 * The heartbeat key, kept per container (setup stores it once and never changes it): fetched on
 * first use, read again only after a token failed to verify and at most every `refreshSeconds`,
 * so a flood of forged heartbeats or bootstraps costs no S3 read each.
 */

import type { ConfigStore } from "../../ports/config-store.ts";

/** How often a container may re-read the key (or look again for one setup had not stored). */
export const HEARTBEAT_KEY_REFRESH_SECONDS = 60;

export class HeartbeatKeyCache {
  private key: string | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<string | undefined> | undefined;

  constructor(
    private readonly store: Pick<ConfigStore, "getHeartbeatKey">,
    private readonly refreshSeconds = HEARTBEAT_KEY_REFRESH_SECONDS,
  ) {}

  /** The key (undefined while setup has stored none), read from the store at most every `refreshSeconds`. */
  async current(now: number): Promise<string | undefined> {
    return this.key ?? this.refresh(now);
  }

  /**
   * After a token did not verify under `tried`: the key read again, when it is due for a read and
   * turned out different; else undefined (the token is simply wrong).
   */
  async changedSince(tried: string, now: number): Promise<string | undefined> {
    const key = await this.refresh(now);
    return key !== undefined && key !== tried ? key : undefined;
  }

  private refresh(now: number): Promise<string | undefined> {
    if (this.reading) return this.reading;
    if (now - this.readAt < this.refreshSeconds) return Promise.resolve(this.key);
    this.readAt = now;
    this.reading = this.store
      .getHeartbeatKey()
      .then((key) => {
        this.key = key ?? this.key;
        return this.key;
      })
      .catch((error: unknown) => {
        this.readAt = Number.NEGATIVE_INFINITY;
        throw error;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
