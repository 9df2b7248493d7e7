/**
 * Hostile input over HTTP: the known-nasty corpus, then seeded property-based fuzzing of every
 * route. Every refused request must answer a 4xx with a clear one-line message, never a 5xx, and
 * leave no write anywhere (DynamoDB items, S3 objects, EC2 instances, fleets, groups, key pairs).
 */

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequest } from "../support/stack.ts";
import { baseBody, caseBody, httpCases } from "./support/corpus.ts";
import { changes, type Footprint, footprint } from "./support/footprint.ts";
import { type Answer, type Harness, printCounts, startHarness } from "./support/harness.ts";
import { brokenJson, hostileOverlay, hostileSegment, hostileSetup } from "./support/hostile.ts";

const FUZZ = { seed: 12, numRuns: 100 };

let h: Harness;
const tally = { requests: 0, "4xx": 0, "5xx": 0, "writes after a refusal": 0 };

beforeAll(async () => {
  // Thousands of refusals and ignored events: only errors are worth a log line here.
  h = await startHarness({ environment: { POWERTOOLS_LOG_LEVEL: "ERROR" } });
  const existing = await h.call("POST", "/annexes", { body: createRequest("Existing") });
  expect(existing.status).toBe(201);
}, 60_000);
afterAll(async () => {
  printCounts("hostile input (HTTP)", tally);
  await h.stop();
});

/** Sends one request and checks the answer is a clear refusal that wrote nothing. */
async function refused(
  method: string,
  path: string,
  body: string | undefined,
  options: { owner?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const before: Footprint = await footprint(h);
  const answer = await h.call(method, path, { ...options, body });
  tally.requests += 1;
  if (answer.status >= 500) tally["5xx"] += 1;
  else if (answer.status >= 400) tally["4xx"] += 1;
  const written = changes(before, await footprint(h));
  if (written.length > 0) tally["writes after a refusal"] += 1;
  expect(answer.status, answer.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
  expect(written).toEqual([]);
  return answer;
}

/** The error body the API promises: a code and a one-line message. */
function expectClearError(answer: Answer): { code: string; message: string } {
  const error = (answer.json?.error ?? answer.json) as { code?: unknown; message?: unknown };
  expect(typeof error?.message, answer.text.slice(0, 200)).toBe("string");
  const message = String(error.message);
  expect(message.length).toBeGreaterThan(0);
  expect(message.length).toBeLessThanOrEqual(1000);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a message is one clean line
  expect(message).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
  return { code: String(error.code ?? ""), message };
}

describe("known-nasty corpus over HTTP", () => {
  for (const [i, c] of httpCases().entries()) {
    it(c.name, async () => {
      const path = c.path.replace("{long}", "n".repeat(1100));
      const answer = await refused(c.method, path, caseBody(c, i), {
        owner: c.owner,
        headers: c.headers,
      });
      if (c.status !== "4xx") expect(answer.status, answer.text.slice(0, 300)).toBe(c.status);
      const { message } = expectClearError(answer);
      if (c.mentions !== "") expect(message).toContain(c.mentions);
    });
  }
});

describe("fuzzing every route (seeded, repeatable)", () => {
  it("POST /annexes: any invalid field answers 4xx naming it, and writes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), hostileOverlay, fc.boolean(), async (n, overlay, spot) => {
        const body = { ...baseBody(spot ? "spot" : "create", 10_000 + n), ...overlay };
        const answer = await refused("POST", "/annexes", JSON.stringify(body));
        const { code } = expectClearError(answer);
        expect(["ValidationFailed", "MalformedRequest"]).toContain(code);
      }),
      FUZZ,
    );
  });

  it("POST /annexes and PATCH /annexes/{name}: a body that is not a JSON object answers 400", async () => {
    await fc.assert(
      fc.asyncProperty(brokenJson, fc.boolean(), async (text, patch) => {
        const answer = await refused(
          patch ? "PATCH" : "POST",
          patch ? "/annexes/Existing" : "/annexes",
          text,
        );
        expect(answer.status).toBe(400);
        expectClearError(answer);
      }),
      FUZZ,
    );
  });

  it("GET, PATCH and DELETE /annexes/{name}: any path segment answers 4xx and writes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileSegment.filter((s) => !/^Existing$/i.test(s)),
        fc.constantFrom("GET", "PATCH", "DELETE"),
        async (segment, method) => {
          const body = method === "PATCH" ? '{"durationHours":1}' : undefined;
          const answer = await refused(method, `/annexes/${segment}`, body);
          expect([400, 404, 422]).toContain(answer.status);
          expectClearError(answer);
        },
      ),
      FUZZ,
    );
  });

  it("POST /setup: any invalid field answers 4xx and changes nothing in the pool", async () => {
    await fc.assert(
      fc.asyncProperty(hostileSetup, async (overlay) => {
        const answer = await refused(
          "POST",
          "/setup",
          JSON.stringify({ ...baseBody("setup", 0), ...overlay }),
        );
        expectClearError(answer);
      }),
      FUZZ,
    );
  });

  it("POST /bootstrap and POST /heartbeat: any body or token answers 4xx and writes nothing", async () => {
    const token = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 60 }).map((t) => `Bearer ${t}`),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((t) => `Bearer ${t}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/bootstrap", "/heartbeat"),
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record(
            {
              annexId: fc.oneof(fc.stringMatching(/^01[0-9A-HJKMNP-TV-Z]{24}$/), fc.string()),
              instanceId: fc.oneof(fc.stringMatching(/^i-[0-9a-f]{17}$/), fc.string()),
              state: fc.constantFrom("idle", "busy", "drain"),
              document: fc.string({ maxLength: 100 }),
              signature: fc.base64String({ maxLength: 40 }),
            },
            { requiredKeys: [] },
          ),
        ),
        token,
        async (path, body, authorization) => {
          const headers: Record<string, string> =
            authorization === undefined ? {} : { authorization };
          const answer = await refused("POST", path, JSON.stringify(body), {
            owner: null,
            headers,
          });
          expectClearError(answer);
        },
      ),
      FUZZ,
    );
  });
});
