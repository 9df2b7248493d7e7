import { describe, expect, it } from "vitest";
import { TerminateRefusedError, ThrottledError } from "../../../shared/domain/launch-errors.ts";
import { TerminateBatcher, terminateIsolating } from "../../../shared/enforcement/batching.ts";

// What the EC2 adapter throws for UnauthorizedOperation and RequestLimitExceeded (see tests/unit/adapters).
const refusal = () => new TerminateRefusedError("UnauthorizedOperation");
const throttled = () => new ThrottledError("RequestLimitExceeded");

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("TerminateBatcher", () => {
  it("sends one call for workers that all reach terminate, each returning after its ids were sent", async () => {
    const sent: string[][] = [];
    const batcher = new TerminateBatcher(async (ids) => {
      sent.push(ids);
      return 1;
    });
    const worker = (ids: string[], delay: number) =>
      batcher.run(async () => {
        await new Promise((resolve) => setTimeout(resolve, delay));
        await batcher.terminate(ids);
        return sent.length;
      });
    const seen = await Promise.all([
      worker(["i-1"], 1),
      worker(["i-2", "i-3"], 5),
      worker(["i-3"], 10),
    ]);
    expect(sent).toEqual([["i-1", "i-2", "i-3"]]);
    expect(seen).toEqual([1, 1, 1]);
  });

  it("does not hold a batch for a worker that ends without terminating", async () => {
    const sent: string[][] = [];
    const batcher = new TerminateBatcher(async (ids) => {
      sent.push(ids);
      return 1;
    });
    await Promise.all([
      batcher.run(() => batcher.terminate(["i-1"])),
      batcher.run(async () => {
        await tick();
        return 0;
      }),
    ]);
    expect(sent).toEqual([["i-1"]]);
  });

  it("hands a throttled batch's error to every worker in it", async () => {
    const batcher = new TerminateBatcher(async () => {
      throw throttled();
    });
    const results = await Promise.allSettled([
      batcher.run(() => batcher.terminate(["i-1"])),
      batcher.run(() => batcher.terminate(["i-2"])),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
  });

  it("sends each worker's ids alone when EC2 refuses the shared batch", async () => {
    const batcher = new TerminateBatcher(async (ids) => {
      if (ids.includes("i-bad")) throw refusal();
      return 1;
    });
    const results = await Promise.allSettled([
      batcher.run(() => batcher.terminate(["i-bad"])),
      batcher.run(() => batcher.terminate(["i-2"])),
    ]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "fulfilled"]);
  });

  it("sends each worker's ids alone when the shared batch fails with an EC2 error, so one annex's failure stays its own", async () => {
    const sent: string[][] = [];
    const batcher = new TerminateBatcher(async (ids) => {
      sent.push(ids);
      if (ids.includes("i-bad")) throw new Error("InternalError");
      return 1;
    });
    const worker = (ids: string[]) =>
      batcher.run(async () => {
        await tick();
        return batcher.terminate(ids);
      });
    const results = await Promise.allSettled([worker(["i-1"]), worker(["i-bad"]), worker(["i-2"])]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(sent).toEqual([["i-1", "i-bad", "i-2"], ["i-1"], ["i-bad"], ["i-2"]]);
  });

  it("sends at once when called outside any worker", async () => {
    const sent: string[][] = [];
    const batcher = new TerminateBatcher(async (ids) => {
      sent.push(ids);
      return 1;
    });
    await batcher.terminate(["i-9"]);
    expect(sent).toEqual([["i-9"]]);
  });
});

describe("terminateIsolating", () => {
  it("halves a refused batch until the refused ids stand alone", async () => {
    const sent: string[][] = [];
    const terminate = async (ids: string[]) => {
      sent.push(ids);
      if (ids.includes("i-6")) throw refusal();
      return 1;
    };
    const ids = Array.from({ length: 8 }, (_, i) => `i-${i}`);
    expect(await terminateIsolating(terminate, ids)).toEqual(["i-6"]);
    expect(
      sent
        .filter((batch) => !batch.includes("i-6"))
        .flat()
        .sort(),
    ).toEqual(ids.filter((id) => id !== "i-6"));
    expect(sent.length).toBeLessThanOrEqual(7);
  });

  it("throws throttling as it is: the whole batch waits for the next tick", async () => {
    await expect(
      terminateIsolating(async () => Promise.reject(throttled()), ["i-1", "i-2"]),
    ).rejects.toBeInstanceOf(ThrottledError);
  });
});
