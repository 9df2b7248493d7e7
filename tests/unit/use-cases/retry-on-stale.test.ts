import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../../shared/domain/errors.ts";
import { StaleAnnexError, StaleInstanceError } from "../../../shared/domain/stale.ts";
import { retryOnStale, SAVE_ATTEMPTS } from "../../../shared/use-cases/retry-on-stale.ts";

describe("retryOnStale", () => {
  it("decides again on a fresh copy after a lost race, and answers what the winning attempt returns", async () => {
    const seen: number[] = [];
    const result = await retryOnStale(
      1,
      async (stale) => stale + 1,
      async (version) => {
        seen.push(version);
        if (version < 3) throw new StaleAnnexError("a");
        return `saved at ${version}`;
      },
    );
    expect(result).toBe("saved at 3");
    expect(seen).toEqual([1, 2, 3]);
  });

  it(`gives up after ${SAVE_ATTEMPTS} lost races with the last StaleWriteError`, async () => {
    let attempts = 0;
    let rereads = 0;
    const outcome = retryOnStale(
      "copy",
      async (stale) => {
        rereads += 1;
        return stale;
      },
      async () => {
        attempts += 1;
        throw new StaleInstanceError("i-1");
      },
    );
    await expect(outcome).rejects.toBeInstanceOf(StaleInstanceError);
    expect(attempts).toBe(SAVE_ATTEMPTS);
    expect(rereads).toBe(SAVE_ATTEMPTS - 1);
  });

  it("passes any other error through at once", async () => {
    let attempts = 0;
    const outcome = retryOnStale(
      0,
      async () => 0,
      async () => {
        attempts += 1;
        throw new NotFoundError("gone");
      },
    );
    await expect(outcome).rejects.toBeInstanceOf(NotFoundError);
    expect(attempts).toBe(1);
  });
});
