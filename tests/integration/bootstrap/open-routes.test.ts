import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { type AwsCounter, startAwsCounter } from "../../support/aws-counter.ts";
import { freePort } from "../../support/ports.ts";
import { instanceProof } from "../../support/proof.ts";
import { apiClient, createRequest, SETUP, startTestStack } from "../../support/stack.ts";

let stack: LocalStack;
let counter: AwsCounter;
let annexId = "";
let instanceId = "";
beforeAll(async () => {
  const awsPort = await freePort();
  counter = await startAwsCounter(`http://127.0.0.1:${awsPort}`);
  // Every AWS call of the handlers goes through the counter (STS's included).
  stack = await startTestStack({ awsPort, environment: { AWS_ENDPOINT_URL: counter.url } });
  const api = apiClient(stack);
  await api("POST", "/setup", SETUP);
  const created = await api<{ annex: { id: string; instances: Array<{ id: string }> } }>(
    "POST",
    "/annexes",
    createRequest("Flooded"),
  );
  annexId = created.body.annex.id;
  instanceId = created.body.annex.instances[0]?.id ?? "";
});
afterAll(async () => {
  await stack.stop();
  await counter.close();
});

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
  (
    await fetch(`${stack.apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    })
  ).status;

describe("the open routes under a flood of forged calls", () => {
  it("a forged heartbeat costs no S3 read and no DynamoDB read", async () => {
    const booted = await fetch(`${stack.apiUrl}/bootstrap`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(await instanceProof(stack, instanceId)),
    });
    const { heartbeatToken } = (await booted.json()) as { heartbeatToken: string };
    const beat = (token: string) =>
      post(
        "/heartbeat",
        { annexId, instanceId, state: "idle" },
        { authorization: `Bearer ${token}` },
      );
    expect(await beat(heartbeatToken)).toBe(200);
    counter.counts.clear();

    const forged = Array.from({ length: 100 }, (_, i) =>
      beat(`${String(i).padStart(3, "0")}${"A".repeat(40)}`),
    );
    expect(new Set(await Promise.all(forged))).toEqual(new Set([403]));
    expect(counter.total("s3:")).toBe(0);
    expect(counter.total("dynamodb:")).toBe(0);
  });

  it("a forged bootstrap costs no S3 read, and one that breaks the proof's rules no STS call", async () => {
    counter.counts.clear();
    const elsewhere = await instanceProof(stack, instanceId, { serverId: "another-deployment" });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => post("/bootstrap", elsewhere)),
    );
    expect(new Set(answers)).toEqual(new Set([403]));
    expect(counter.total("s3:")).toBe(0);
    expect(counter.total("sts:")).toBe(0);
    expect(counter.total("dynamodb:")).toBe(0);
  });
});
