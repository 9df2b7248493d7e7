/**
 * Hostile direct invocations (`lambda:Invoke` with a plain JSON payload, as another service would
 * call): the known-nasty corpus, then seeded fuzzing of every function's payload. A refused payload
 * answers an error body with a code (never `InternalError`, never a thrown Lambda error) and
 * writes nothing; EventBridge functions ignore what is not theirs.
 */

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequest } from "../support/stack.ts";
import { casePayload, invokeCases } from "./support/corpus.ts";
import { changes, footprint } from "./support/footprint.ts";
import { type Harness, ownerArn, printCounts, startHarness } from "./support/harness.ts";

const FUZZ = { seed: 34, numRuns: 60 };
const API_FUNCTIONS = [
  "setup",
  "check-setup",
  "create-annex",
  "list-annexes",
  "get-annex",
  "reset-lease",
  "stop-annex",
  "bootstrap-instance",
  "record-heartbeat",
];

let h: Harness;
const tally = {
  invocations: 0,
  refused: 0,
  "thrown or InternalError": 0,
  "writes after a refusal": 0,
};
beforeAll(async () => {
  // Thousands of refusals and ignored events: only errors are worth a log line here.
  h = await startHarness({ environment: { POWERTOOLS_LOG_LEVEL: "ERROR" } });
  const existing = await h.call("POST", "/annexes", { body: createRequest("Existing") });
  expect(existing.status).toBe(201);
}, 60_000);
afterAll(async () => {
  printCounts("hostile input (direct invoke)", tally);
  await h.stop();
});

type ErrorAnswer = { error?: { code?: unknown; message?: unknown } };

/** Invokes and checks the answer is an error body (or a harmless read) and that nothing was written. */
async function invokeRefused(fn: string, payload: unknown): Promise<ErrorAnswer> {
  const before = await footprint(h);
  let answer: ErrorAnswer;
  tally.invocations += 1;
  try {
    answer = ((await h.stack.invoke(fn, payload)) ?? {}) as ErrorAnswer;
  } catch (error) {
    tally["thrown or InternalError"] += 1;
    throw error;
  }
  if (answer.error !== undefined) tally.refused += 1;
  if (answer.error?.code === "InternalError") tally["thrown or InternalError"] += 1;
  const written = changes(before, await footprint(h));
  if (written.length > 0) tally["writes after a refusal"] += 1;
  expect(answer.error?.code, JSON.stringify(answer).slice(0, 300)).not.toBe("InternalError");
  expect(written).toEqual([]);
  return answer;
}

describe("known-nasty direct payloads", () => {
  for (const c of invokeCases()) {
    it(c.name, async () => {
      const answer = await invokeRefused(c.function, casePayload(c));
      expect(answer.error?.code, JSON.stringify(answer).slice(0, 300)).toBe(c.code);
      expect(String(answer.error?.message)).toContain(c.mentions);
    });
  }
});

describe("fuzzing every function's payload (seeded, repeatable)", () => {
  it("any payload to an API function: an error body or a read, never a 5xx, nothing written", async () => {
    const payload = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc
        .tuple(
          fc.oneof(fc.constant(ownerArn("alice")), fc.string(), fc.jsonValue({ maxDepth: 2 })),
          fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), {
            maxKeys: 6,
          }),
        )
        .map(([owner, rest]) => ({ ...rest, owner })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...API_FUNCTIONS), payload, async (fn, body) => {
        await invokeRefused(fn, body);
      }),
      FUZZ,
    );
  });

  it("any event to the EC2 event handler: ignored or handled, never thrown, nothing written", async () => {
    const event = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({
        source: fc.constantFrom("aws.ec2", "aws.events", "evil"),
        "detail-type": fc.constantFrom(
          "EC2 Instance State-change Notification",
          "EC2 Spot Instance Interruption Warning",
          "x",
        ),
        time: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        detail: fc.record(
          {
            "instance-id": fc.oneof(fc.stringMatching(/^i-[0-9a-f]{17}$/), fc.string()),
            state: fc.string(),
          },
          { requiredKeys: [] },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(event, async (payload) => {
        await invokeRefused("handle-ec2-event", payload);
      }),
      FUZZ,
    );
  });

  it("any event to the enforcer: a sweep, never thrown, nothing ended or launched", async () => {
    const instances = h.stack.aws.ec2.control.instances().length;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (payload) => {
        tally.invocations += 1;
        const report = (await h.stack.invoke("enforce-leases", payload)) as { complete?: boolean };
        expect(report.complete).toBe(true);
      }),
      { ...FUZZ, numRuns: 10 },
    );
    expect(h.stack.aws.ec2.control.instances()).toHaveLength(instances);
    const existing = await h.call("GET", "/annexes/Existing");
    expect(existing.json?.annex).not.toMatchObject({ state: "ended" });
  });
});
