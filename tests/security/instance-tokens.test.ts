/**
 * Instance credentials misused, from outside: forged, altered and replayed instance proofs at
 * POST /bootstrap, a proof sent with another annex's id, heartbeat tokens used for another
 * instance or annex or tampered with; then a scan of every answer and log line for the pool
 * secret, the heartbeat key, the tokens and the bundle URL's signature.
 */

import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changes, footprint } from "../reliability/support/footprint.ts";
import { type Harness, startHarness } from "../reliability/support/harness.ts";
import { type AnnexView, annexOf, eventsOfType } from "../reliability/support/state.ts";
import { instanceProof, proofBody, signedProof } from "../support/proof.ts";
import { ec2At } from "../support/sdk.ts";
import { createRequest } from "../support/stack.ts";
import { captureOutput, leaked, recording, storedSecrets } from "./support.ts";

let h: Harness;
let output: ReturnType<typeof captureOutput>;
const answers: string[] = [];
let call: ReturnType<typeof recording>;
let first: AnnexView;
let second: AnnexView;
let token = "";
let configUrl = "";

const post = (path: string, body: unknown, authorization?: string) =>
  call("POST", path, {
    owner: null,
    body,
    headers: authorization === undefined ? {} : { authorization },
  });

beforeAll(async () => {
  output = captureOutput();
  h = await startHarness({ environment: { POWERTOOLS_LOG_LEVEL: "DEBUG" } });
  call = recording(h, answers);
  const one = await call("POST", "/annexes", { body: createRequest("First", { count: 2 }) });
  const two = await call("POST", "/annexes", { body: createRequest("Second", { count: 1 }) });
  first = one.json?.annex as AnnexView;
  second = two.json?.annex as AnnexView;
  const [a = ""] = first.instances.map((i) => i.id);
  const booted = await post("/bootstrap", await instanceProof(h.stack, a));
  expect(booted.status, booted.text).toBe(200);
  token = String(booted.json?.heartbeatToken);
  configUrl = String(booted.json?.configUrl);
}, 60_000);
afterAll(async () => {
  await h.stop();
  output.stop();
});

const idOf = (annex: AnnexView, n: number) => annex.instances[n]?.id ?? "";

describe("bootstrap refuses a proof that is not that instance's own, fresh, for this service", () => {
  it("forged credentials, an altered body, another service's id, another URL, a stale signature: 403, only audited", async () => {
    const id = idOf(first, 0);
    const signed = await signedProof(h.stack, id);
    const stale = new Date(h.clock.now() - 20 * 60_000);
    const proofs = [
      await instanceProof(h.stack, id, {
        credentials: { accessKeyId: "AKIAFORGED", secretAccessKey: "forged", sessionToken: "x" },
      }),
      proofBody({ ...signed, body: signed.body.replace("GetCallerIdentity", "GetSessionToken") }),
      await instanceProof(h.stack, id, { serverId: "cloud-annex-other-api" }),
      await instanceProof(h.stack, id, { serverId: null }),
      await instanceProof(h.stack, id, { url: "https://sts.amazonaws.com/" }),
      await instanceProof(h.stack, id, { signingDate: stale }),
    ];
    for (const proof of proofs) {
      const before = await footprint(h);
      const answer = await post("/bootstrap", proof);
      expect(answer.status, answer.text).toBe(403);
      expect(answer.json).toMatchObject({ error: { code: "Forbidden" } });
      const written = changes(before, await footprint(h));
      expect(written.filter((change) => !change.startsWith("items:"))).toEqual([]);
    }
  });

  it("a terminated instance's proof, replayed: 403", async () => {
    const id = idOf(first, 1);
    const proof = await instanceProof(h.stack, id);
    const ec2 = ec2At(h.readEndpoint);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    ec2.destroy();
    h.advance(5);
    expect((await post("/bootstrap", proof)).status).toBe(403);
  });

  it("a proof sent with another annex's id: 403, audited on the instance's own annex only", async () => {
    const proof = await instanceProof(h.stack, idOf(first, 0));
    const answer = await post("/bootstrap", { ...proof, annexId: second.id });
    expect(answer.status).toBe(403);
    expect(eventsOfType(await annexOf(h, "Second"), "bootstrap-refused")).toEqual([]);
    expect(eventsOfType(await annexOf(h, "First"), "bootstrap-refused").length).toBeGreaterThan(0);
  });
});

describe("heartbeat tokens are bound to one instance of one annex", () => {
  it("its own token works", async () => {
    const body = { annexId: first.id, instanceId: idOf(first, 0), state: "idle" };
    const answer = await post("/heartbeat", body, `Bearer ${token}`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.instruction).toBe("continue");
  });

  it("used for another instance, another annex, tampered, in another scheme or absent: 403, nothing written", async () => {
    const mine = { annexId: first.id, instanceId: idOf(first, 0), state: "busy" };
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    const attempts: Array<[unknown, string | undefined]> = [
      [{ ...mine, instanceId: idOf(first, 1) }, `Bearer ${token}`],
      [{ ...mine, instanceId: idOf(second, 0) }, `Bearer ${token}`],
      [{ ...mine, annexId: second.id }, `Bearer ${token}`],
      [mine, `Bearer ${flipped}`],
      [mine, `Bearer ${token}=`],
      [mine, `Bearer ${token.toUpperCase()}`],
      [mine, `Basic ${token}`],
      [mine, `Bearer  ${token}`],
      [mine, token],
      [mine, undefined],
      [{ ...mine, annexId: "01KAAAAAAAAAAAAAAAAAAAAAAA" }, `Bearer ${token}`],
    ];
    for (const [body, authorization] of attempts) {
      const before = await footprint(h);
      const answer = await post("/heartbeat", body, authorization);
      expect(answer.status, `${authorization}: ${answer.text}`).toBe(403);
      expect(changes(before, await footprint(h))).toEqual([]);
    }
  });
});

describe("secrets", () => {
  it("no answer carries the pool secret or heartbeat key; no log line carries those, a token or a bundle URL", async () => {
    const secrets = await storedSecrets(h);
    expect(secrets.length).toBeGreaterThan(0);
    const signature = new URL(configUrl).searchParams.get("X-Amz-Signature") ?? "";
    expect(signature.length).toBeGreaterThan(20);
    expect(leaked(answers.join("\n"), secrets)).toEqual([]);
    const logs = output.written.join("");
    expect(logs.length).toBeGreaterThan(0);
    expect(leaked(logs, [...secrets, token, signature])).toEqual([]);
    // The token appears in exactly one answer: the bootstrap answer to its own instance.
    expect(answers.filter((answer) => answer.includes(token))).toHaveLength(1);
  });
});
