import { describe, expect, it } from "vitest";
import { HeartbeatKeyCache } from "../../../../shared/use-cases/instances/heartbeat-key.ts";

/** A store whose key can change, counting reads. */
function store(key: string | undefined) {
  const s = {
    key,
    reads: 0,
    getHeartbeatKey: async () => {
      s.reads += 1;
      return s.key;
    },
  };
  return s;
}

describe("HeartbeatKeyCache", () => {
  it("reads the key once and keeps it", async () => {
    const s = store("key-1");
    const cache = new HeartbeatKeyCache(s, 60);
    expect(await Promise.all([cache.current(0), cache.current(0)])).toEqual(["key-1", "key-1"]);
    for (let t = 1; t < 1000; t += 7) expect(await cache.current(t)).toBe("key-1");
    expect(s.reads).toBe(1);
  });

  it("after tokens fail to verify, reads again at most once a refresh period", async () => {
    const s = store("key-1");
    const cache = new HeartbeatKeyCache(s, 60);
    await cache.current(0);
    for (let t = 0; t < 60; t += 1) expect(await cache.changedSince("key-1", t)).toBeUndefined();
    expect(s.reads).toBe(1);
    s.key = "key-2";
    expect(await cache.changedSince("key-1", 60)).toBe("key-2");
    expect(await cache.current(61)).toBe("key-2");
    expect(s.reads).toBe(2);
  });

  it("looks for a key setup has not stored yet at most once a refresh period", async () => {
    const s = store(undefined);
    const cache = new HeartbeatKeyCache(s, 60);
    for (let t = 0; t < 60; t += 1) expect(await cache.current(t)).toBeUndefined();
    expect(s.reads).toBe(1);
    s.key = "key-1";
    expect(await cache.current(60)).toBe("key-1");
    expect(s.reads).toBe(2);
  });

  it("tries again at once after a failed read", async () => {
    let fail = true;
    const cache = new HeartbeatKeyCache(
      {
        getHeartbeatKey: async () => {
          if (fail) throw new Error("S3 unavailable");
          return "key-1";
        },
      },
      60,
    );
    await expect(cache.current(0)).rejects.toThrow("S3 unavailable");
    fail = false;
    expect(await cache.current(1)).toBe("key-1");
  });
});
