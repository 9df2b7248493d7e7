/**
 * Who may do what, from outside: every route without credentials, every annex route with another
 * owner's identity, the admin-only route as a non-admin; then a scan of every answer and log line
 * of the suite for the pool secret and the heartbeat key.
 */

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changes, footprint } from "../reliability/support/footprint.ts";
import { type Harness, ownerArn, startHarness } from "../reliability/support/harness.ts";
import { type AnnexView, annexOf, runningInstances } from "../reliability/support/state.ts";
import { createRequest, SETUP } from "../support/stack.ts";
import { captureOutput, leaked, recording, storedSecrets } from "./support.ts";

let h: Harness;
let output: ReturnType<typeof captureOutput>;
const answers: string[] = [];
let call: ReturnType<typeof recording>;
let mine: AnnexView;

beforeAll(async () => {
  output = captureOutput();
  h = await startHarness({ environment: { POWERTOOLS_LOG_LEVEL: "DEBUG" } });
  call = recording(h, answers);
  const created = await call("POST", "/annexes", { body: createRequest("Mine", { count: 1 }) });
  expect(created.status).toBe(201);
  mine = created.json?.annex as AnnexView;
}, 60_000);
afterAll(async () => {
  await h.stop();
  output.stop();
});

/** Every route guarded by IAM, as API Gateway routes it, and a sample body. */
const IAM_ROUTES: Array<[fn: string, method: string, path: string, body?: unknown]> = [
  ["setup", "POST", "/setup", SETUP],
  ["check-setup", "GET", "/setup"],
  ["create-annex", "POST", "/annexes", createRequest("Anonymous")],
  ["list-annexes", "GET", "/annexes"],
  ["get-annex", "GET", "/annexes/Mine"],
  ["reset-lease", "PATCH", "/annexes/Mine", { durationHours: 5 }],
  ["stop-annex", "DELETE", "/annexes/Mine"],
];

/** An API Gateway v2 event for the route, without the IAM authorizer's identity. */
function unsignedEvent(fn: string, method: string, path: string, body?: unknown) {
  const sample = JSON.parse(readFileSync(`events/http/${fn}.json`, "utf8")) as {
    requestContext: Record<string, unknown>;
  };
  const { authorizer: _, ...context } = sample.requestContext;
  const name = /^\/annexes\/(.+)$/.exec(path)?.[1];
  return {
    ...sample,
    rawPath: path,
    requestContext: { ...context, http: { ...(context.http as object), method, path } },
    pathParameters: name === undefined ? undefined : { name },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

describe("without credentials", () => {
  it.each(IAM_ROUTES)("%s answers 403 and changes nothing", async (fn, method, path, body) => {
    const before = await footprint(h);
    const answer = (await h.stack.invoke(fn, unsignedEvent(fn, method, path, body))) as {
      statusCode: number;
      body: string;
    };
    answers.push(answer.body);
    expect(answer.statusCode).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "Forbidden" } });
    expect(changes(before, await footprint(h))).toEqual([]);
  });

  it("the local API refuses a caller header that is not a user name, and changes nothing", async () => {
    const before = await footprint(h);
    for (const [, method, path, body] of IAM_ROUTES) {
      const answer = await call(method, path, { owner: "../alice", body });
      expect(answer.status).toBe(403);
    }
    expect(changes(before, await footprint(h))).toEqual([]);
  });
});

describe("with another owner's identity", () => {
  it("bob gets 404 for alice's annex on every route, exactly as for a name nobody has", async () => {
    const before = await footprint(h);
    for (const [method, body] of [["GET"], ["PATCH", { durationHours: 5 }], ["DELETE"]] as const) {
      const theirs = await call(method, "/annexes/Mine", { owner: "bob", body });
      const nobody = await call(method, "/annexes/Mxne", { owner: "bob", body });
      expect(theirs.status).toBe(404);
      expect(theirs.text.replace("Mine", "NAME")).toBe(nobody.text.replace("Mxne", "NAME"));
    }
    const list = await call("GET", "/annexes", { owner: "bob" });
    expect(list.json?.annexes).toEqual([]);
    expect(changes(before, await footprint(h))).toEqual([]);
    expect(runningInstances(h, mine.id)).toHaveLength(1);
  });

  it("bob replaying alice's clientToken gets an annex of his own, never hers", async () => {
    const request = createRequest("Shared", { count: 1 });
    const hers = await call("POST", "/annexes", { owner: "alice", body: request });
    const his = await call("POST", "/annexes", { owner: "bob", body: request });
    expect(hers.status).toBe(201);
    expect(his.status).toBe(201);
    const [a, b] = [hers.json?.annex, his.json?.annex] as AnnexView[];
    expect(b?.id).not.toBe(a?.id);
    expect(his.json?.annex).toMatchObject({ owner: ownerArn("bob") });
    expect(await call("DELETE", "/annexes/Shared", { owner: "bob" })).toMatchObject({
      status: 200,
    });
    expect((await annexOf(h, "Shared", "alice")).state).not.toBe("ended");
  });

  it("a direct invocation naming another owner sees nothing of alice's", async () => {
    const before = await footprint(h);
    for (const fn of ["get-annex", "reset-lease", "stop-annex"]) {
      const answer = (await h.stack.invoke(fn, {
        owner: ownerArn("mallory"),
        name: "Mine",
        durationHours: 5,
      })) as { error?: { code: string } };
      answers.push(JSON.stringify(answer));
      expect(answer.error?.code).toBe("NotFound");
    }
    expect(changes(before, await footprint(h))).toEqual([]);
  });
});

describe("the admin-only route", () => {
  it("refuses POST /setup to a caller who is not an administrator, and changes nothing", async () => {
    const before = await footprint(h);
    const answer = await call("POST", "/setup", {
      owner: "bob",
      body: { ...SETUP, allowCidr: "0.0.0.0/0", poolPassword: "bobs-own-password-123456" },
    });
    expect(answer.status).toBe(403);
    expect(changes(before, await footprint(h))).toEqual([]);
  });

  it("lets anyone read check-setup, which carries no secret", async () => {
    const answer = await call("GET", "/setup", { owner: "bob" });
    expect(answer.status).toBe(200);
  });
});

describe("secrets", () => {
  it("no answer and no log line of this suite carries the pool secret or the heartbeat key", async () => {
    const secrets = await storedSecrets(h);
    expect(secrets.length).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(20);
    expect(output.written.length).toBeGreaterThan(0);
    expect(leaked(answers.join("\n"), secrets)).toEqual([]);
    expect(leaked(output.written.join(""), secrets)).toEqual([]);
  });
});
