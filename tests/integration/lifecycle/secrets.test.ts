import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { credentialsOf } from "../../support/imds.ts";
import { instanceProof } from "../../support/proof.ts";
import {
  apiClient,
  createRequest,
  POOL_PASSWORD,
  SETUP,
  startTestStack,
} from "../../support/stack.ts";

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
const written: string[] = [];
const originals = {
  out: process.stdout.write.bind(process.stdout),
  err: process.stderr.write.bind(process.stderr),
};

beforeAll(async () => {
  const capture =
    (original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      written.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = capture(originals.out) as typeof process.stdout.write;
  process.stderr.write = capture(originals.err) as typeof process.stderr.write;
  stack = await startTestStack({ environment: { POWERTOOLS_LOG_LEVEL: "DEBUG" } });
  api = apiClient(stack);
});
afterAll(async () => {
  await stack.stop();
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

describe("the pool secret", () => {
  it("never appears in an answer, a log line or an error, whatever the requests", async () => {
    const answers: string[] = [];
    const keep = async (answer: Promise<{ text: string }>) => answers.push((await answer).text);
    await keep(api("POST", "/setup", SETUP));
    await keep(
      api("POST", "/setup", { ...SETUP, poolPassword: `${POOL_PASSWORD}\n`, colour: "x" }),
    );
    await keep(api("POST", "/setup", { ...SETUP, poolToken: POOL_PASSWORD }));
    await keep(api("GET", "/setup"));
    const created = await api<{ annex: { id: string; instances: Array<{ id: string }> } }>(
      "POST",
      "/annexes",
      createRequest("Secretive"),
    );
    answers.push(created.text);
    const instanceId = created.body.annex.instances[0]?.id ?? "";
    const bootstrap = await fetch(`${stack.apiUrl}/bootstrap`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(await instanceProof(stack, instanceId)),
    });
    expect(bootstrap.status).toBe(200);
    answers.push(await bootstrap.text());
    await keep(api("GET", "/annexes/Secretive"));
    await keep(api("DELETE", "/annexes/Secretive"));

    expect(answers.join("\n")).toContain("Secretive");
    expect(answers.join("\n")).not.toContain(POOL_PASSWORD);
    expect(written.length).toBeGreaterThan(0);
    expect(written.join("")).not.toContain(POOL_PASSWORD);
  });

  it("nor do an instance's role credentials, whatever proof it sends", async () => {
    const created = await api<{ annex: { instances: Array<{ id: string }> } }>(
      "POST",
      "/annexes",
      createRequest("Proving"),
    );
    const instanceId = created.body.annex.instances[0]?.id ?? "";
    const role = await credentialsOf(stack.awsEndpoint, instanceId);
    const from = written.length;
    const answers: string[] = [];
    for (const proof of [
      await instanceProof(stack, instanceId),
      await instanceProof(stack, instanceId, { serverId: "another-deployment" }),
      await instanceProof(stack, instanceId, { url: "https://sts.amazonaws.com/" }),
      await instanceProof(stack, instanceId, { signingDate: new Date(Date.now() - 3_600_000) }),
    ]) {
      const answer = await fetch(`${stack.apiUrl}/bootstrap`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(proof),
      });
      answers.push(`${answer.status} ${await answer.text()}`);
    }
    expect(answers.map((a) => a.slice(0, 3))).toEqual(["200", "403", "403", "403"]);
    const logged = written.slice(from).join("");
    expect(logged).toContain("bootstrap refused");
    for (const secret of [role.secretAccessKey, role.sessionToken]) {
      expect(logged).not.toContain(secret);
      expect(answers.join("\n")).not.toContain(secret);
    }
  });
});
