import { describe, expect, it } from "vitest";
import { TerminateRefusedError, ThrottledError } from "../../../shared/domain/launch-errors.ts";
import { terminateAcross, terminateIsolating } from "../../../shared/enforcement/batching.ts";

// What the EC2 adapter throws for UnauthorizedOperation and RequestLimitExceeded (see tests/unit/adapters).
const refusal = () => new TerminateRefusedError("UnauthorizedOperation");
const throttled = () => new ThrottledError("RequestLimitExceeded");

/** A pause that takes no time, and remembers how long it was asked to wait. */
function pauses() {
  const waited: number[] = [];
  return { waited, pause: async (ms: number) => void waited.push(ms) };
}
const plenty = () => 60_000;

/** A TerminateInstances that records each call and fails as `fail` says. */
function ec2(fail: (ids: string[], call: number) => Error | undefined = () => undefined) {
  const sent: string[][] = [];
  const terminate = async (ids: string[]) => {
    sent.push(ids);
    const error = fail(ids, sent.length);
    if (error) throw error;
    return Math.ceil(ids.length / 1000);
  };
  return { sent, terminate };
}

const byAnnex = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe("terminateAcross", () => {
  it("sends one call for every annex's instances together", async () => {
    const { sent, terminate } = ec2();
    const { pause } = pauses();
    const failed = await terminateAcross(
      terminate,
      byAnnex({ a: ["i-1"], b: ["i-2", "i-3"], c: [] }),
      plenty,
      pause,
    );
    expect(failed.size).toBe(0);
    expect(sent).toEqual([["i-1", "i-2", "i-3"]]);
  });

  it("waits and tries again while EC2 throttles, as long as the budget allows", async () => {
    const { sent, terminate } = ec2((_, call) => (call <= 2 ? throttled() : undefined));
    const { waited, pause } = pauses();
    const failed = await terminateAcross(terminate, byAnnex({ a: ["i-1"] }), plenty, pause);
    expect(failed.size).toBe(0);
    expect(waited).toEqual([1000, 2000]);
    expect(sent).toHaveLength(3);
  });

  it("gives every annex the throttling error when the budget cannot wait for EC2's bucket", async () => {
    const { terminate } = ec2(() => throttled());
    const { waited, pause } = pauses();
    const failed = await terminateAcross(
      terminate,
      byAnnex({ a: ["i-1"], b: ["i-2"] }),
      () => 500,
      pause,
    );
    expect([...failed.keys()]).toEqual(["a", "b"]);
    expect([...failed.values()].every((error) => error instanceof ThrottledError)).toBe(true);
    expect(waited).toEqual([]);
  });

  it("sends each annex's ids alone when EC2 refuses the shared call, so one refusal stays its own", async () => {
    const { sent, terminate } = ec2((ids) => (ids.includes("i-bad") ? refusal() : undefined));
    const { pause } = pauses();
    const failed = await terminateAcross(
      terminate,
      byAnnex({ a: ["i-1"], bad: ["i-bad"], b: ["i-2"] }),
      plenty,
      pause,
    );
    expect([...failed.keys()]).toEqual(["bad"]);
    expect(failed.get("bad")).toBeInstanceOf(TerminateRefusedError);
    expect(sent).toEqual([["i-1", "i-bad", "i-2"], ["i-1"], ["i-bad"], ["i-2"]]);
  });

  it("sends each annex's ids alone when the shared call fails with an EC2 server error", async () => {
    const { sent, terminate } = ec2((ids) =>
      ids.includes("i-bad") ? new Error("InternalError") : undefined,
    );
    const { pause } = pauses();
    const failed = await terminateAcross(
      terminate,
      byAnnex({ a: ["i-1"], bad: ["i-bad"] }),
      plenty,
      pause,
    );
    expect([...failed.keys()]).toEqual(["bad"]);
    expect(sent).toEqual([["i-1", "i-bad"], ["i-1"], ["i-bad"]]);
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
