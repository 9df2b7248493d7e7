import { DescribeVpcsCommand, type EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ec2Error, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startEc2({ delays: { pendingMs: 1000, shuttingDownMs: 1000 } });
  ec2 = t.client();
});
afterAll(() => t.stop());
afterEach(() => t.emulator.control.resetFaults());

// biome-ignore lint/suspicious/noExplicitAny: each route answers its own JSON shape
type Json = any;

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${t.endpoint}/_ec2${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith("{") ? JSON.parse(text) : text };
}

const launch = async (input: Record<string, unknown> = {}) =>
  (
    await ec2.send(
      new RunInstancesCommand({ ImageId: "ami-12345678", MinCount: 1, MaxCount: 1, ...input }),
    )
  ).Instances?.[0]?.InstanceId ?? "";

describe("control interface over HTTP", () => {
  it("lists instances and shows one", async () => {
    const id = await launch({
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "annex:id", Value: "C-1" }] }],
    });
    const list = await call("GET", "/instances");
    expect(list.json.instances.map((i: { instanceId: string }) => i.instanceId)).toContain(id);
    const one = await call("GET", `/instances/${id}`);
    expect(one.json.instance).toMatchObject({
      instanceId: id,
      state: "pending",
      tags: { "annex:id": "C-1" },
      lifecycle: "on-demand",
    });
    expect((await call("GET", "/instances/i-0000000000000beef")).status).toBe(404);
  });

  it("powers an instance off from inside", async () => {
    const id = await launch({ InstanceInitiatedShutdownBehavior: "terminate" });
    await call("POST", "/clock/advance", { ms: 1000 });
    const off = await call("POST", `/instances/${id}/power-off`);
    expect([off.status, off.json.instance.state]).toEqual([200, "shutting-down"]);
    expect((await call("POST", `/instances/${id}/power-off`)).status).toBe(409);
  });

  it("interrupts a spot instance with a warning", async () => {
    const id = await launch({ InstanceMarketOptions: { MarketType: "spot" } });
    const res = await call("POST", `/instances/${id}/spot-interruption`, { warningSeconds: 30 });
    expect(res.status).toBe(200);
    const notice = res.json.instance.interruption;
    expect(Date.parse(notice.terminationTime) - Date.parse(notice.noticeTime)).toBe(30_000);
    const events = await call("GET", "/events?limit=5");
    expect(events.json.events.at(-1)).toMatchObject({
      "detail-type": "EC2 Spot Instance Interruption Warning",
      detail: { "instance-id": id },
    });
  });

  it("sets, shows and clears faults", async () => {
    const set = await call("PUT", "/faults", {
      errorRate: 1,
      errorActions: ["DescribeVpcs"],
      capacity: { "t3.micro": 0 },
    });
    expect(set.json).toMatchObject({
      errorRate: 1,
      errorActions: ["DescribeVpcs"],
      capacity: { "t3.micro": 0 },
    });
    await ec2Error(ec2.send(new DescribeVpcsCommand({})), "InternalError");
    await call("DELETE", "/faults");
    await ec2.send(new DescribeVpcsCommand({}));
    expect((await call("PUT", "/faults", { errorRate: 2 })).status).toBe(400);
    expect((await call("PUT", "/faults", { nonsense: true })).status).toBe(400);
    expect((await call("PUT", "/faults", "not json")).status).toBe(400);
  });

  it("queues failures for the next calls", async () => {
    await call("POST", "/faults/fail-next", {
      action: "DescribeVpcs",
      code: "Unavailable",
      count: 1,
    });
    await ec2Error(ec2.send(new DescribeVpcsCommand({})), "Unavailable", 503);
    await ec2.send(new DescribeVpcsCommand({}));
  });

  it("advances a manual clock and serves the identity certificate", async () => {
    const before = (await call("GET", "/clock")).json;
    expect(before.manual).toBe(true);
    const after = await call("POST", "/clock/advance", { seconds: 60 });
    expect(Date.parse(after.json.now) - Date.parse(before.now)).toBe(60_000);
    expect((await call("GET", "/identity-certificate")).json).toBe(
      t.emulator.identityCertificatePem,
    );
  });

  it("answers 404 for unknown routes and 405 for wrong methods", async () => {
    expect((await call("GET", "/nope")).status).toBe(404);
    expect((await call("DELETE", "/instances")).status).toBe(405);
  });
});
