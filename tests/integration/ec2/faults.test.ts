import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeVpcsCommand,
  type EC2Client,
  RunInstancesCommand,
  type RunInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Ec2EventBridgeEvent } from "../../../local/ec2/index.ts";
import { ec2Error, startEc2, type TestEc2 } from "./server.ts";

let t: TestEc2;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startEc2({ delays: { pendingMs: 1000, shuttingDownMs: 1000 } });
  ec2 = t.client();
});
afterAll(() => t.stop());
afterEach(() => t.emulator.control.resetFaults());

const run = (client: EC2Client = ec2, input: Partial<RunInstancesCommandInput> = {}) =>
  client.send(
    new RunInstancesCommand({
      ImageId: "ami-12345678",
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      ...input,
    }),
  );

describe("throttling", () => {
  it("answers RequestLimitExceeded (503) past RunInstances' burst of 5, and refills at 2 per second", async () => {
    t.emulator.control.setThrottling(true);
    for (let i = 0; i < 5; i++) await run();
    await ec2Error(run(), "RequestLimitExceeded", 503);
    t.clock.advance(500);
    await run();
    await ec2Error(run(), "RequestLimitExceeded", 503);
  });

  it("uses each action's own bucket (DescribeInstances: 100)", async () => {
    t.emulator.control.setThrottling(true);
    for (let i = 0; i < 5; i++) await run();
    await ec2Error(run(), "RequestLimitExceeded");
    for (let i = 0; i < 100; i++) await ec2.send(new DescribeVpcsCommand({}));
    await ec2Error(ec2.send(new DescribeVpcsCommand({})), "RequestLimitExceeded");
    await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
  });

  it("is recovered by the SDK's standard retry strategy", async () => {
    t.emulator.control.failNext("RunInstances", { count: 2 });
    const retrying = t.client({
      maxAttempts: 3,
      retryStrategy: new ConfiguredRetryStrategy(3, 10),
    });
    const reservation = await run(retrying);
    expect(reservation.Instances).toHaveLength(1);
    expect(reservation.$metadata.attempts).toBe(3);
  });

  it("is recovered by a default SDK client (standard mode, 3 attempts)", async () => {
    t.emulator.control.failNext("RunInstances", { count: 1 });
    const reservation = await run(t.client({ maxAttempts: undefined }));
    expect(reservation.$metadata.attempts).toBe(2);
  });

  it("is recovered from an empty token bucket once the clock refills it", async () => {
    t.emulator.control.setThrottling({ RunInstances: { burst: 1, refillPerSecond: 1 } });
    await run();
    const retrying = t.client({
      retryStrategy: new ConfiguredRetryStrategy(5, 20),
      maxAttempts: 5,
    });
    const ticker = setInterval(() => t.clock.advance(400), 10);
    try {
      const reservation = await run(retrying);
      expect(reservation.$metadata.attempts).toBeGreaterThan(1);
    } finally {
      clearInterval(ticker);
    }
  });

  it("lets maxAttempts: 1 callers see RequestLimitExceeded", async () => {
    t.emulator.control.failNext("*", { count: 1 });
    await ec2Error(ec2.send(new DescribeVpcsCommand({})), "RequestLimitExceeded", 503);
    await ec2.send(new DescribeVpcsCommand({}));
  });
});

describe("random server errors", () => {
  it("fails every call with InternalError (500) at rate 1, and only the chosen actions", async () => {
    t.emulator.control.setErrorRate(1, { actions: ["RunInstances"] });
    await ec2Error(run(), "InternalError", 500);
    await ec2.send(new DescribeVpcsCommand({}));
  });

  it("fails a repeatable fraction of calls with a seed", async () => {
    const outcomes = async () => {
      t.emulator.control.setErrorRate(0.5, { seed: 42 });
      const results: boolean[] = [];
      for (let i = 0; i < 20; i++)
        results.push(
          await ec2.send(new DescribeVpcsCommand({})).then(
            () => true,
            () => false,
          ),
        );
      return results;
    };
    const first = await outcomes();
    expect(first.filter(Boolean).length).toBeGreaterThan(2);
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(2);
    expect(await outcomes()).toEqual(first);
  });
});

describe("capacity", () => {
  it("answers InsufficientInstanceCapacity (500) for a type with no capacity", async () => {
    t.emulator.control.setCapacity("m5.xlarge", 0);
    const error = await ec2Error(
      run(ec2, { InstanceType: "m5.xlarge" }),
      "InsufficientInstanceCapacity",
      500,
    );
    expect(error.message).toContain("We currently do not have sufficient m5.xlarge capacity");
    await run(ec2, { InstanceType: "m5.large" });
  });
});

describe("eventual consistency", () => {
  it("hides a new instance from Describe and CreateTags for the configured delay", async () => {
    t.emulator.control.setVisibilityDelay(5000);
    const id = (await run()).Instances?.[0]?.InstanceId ?? "";
    await ec2Error(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })),
      "InvalidInstanceID.NotFound",
    );
    await ec2Error(
      ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "k", Value: "v" }] })),
      "InvalidInstanceID.NotFound",
    );
    const all = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: [id] }] }),
    );
    expect(all.Reservations).toEqual([]);
    t.clock.advance(5000);
    const seen = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(seen.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(id);
  });
});

describe("spot interruption", () => {
  it("warns two minutes ahead (event and metadata), then terminates the instance", async () => {
    const events: Ec2EventBridgeEvent[] = [];
    const unsubscribe = t.emulator.onEvent((e) => events.push(e));
    const id =
      (await run(ec2, { InstanceMarketOptions: { MarketType: "spot" } })).Instances?.[0]
        ?.InstanceId ?? "";
    t.clock.advance(1000);
    const noticeAt = t.clock.now();
    t.emulator.control.interruptSpot(id);
    await Promise.resolve();
    const warning = events.find(
      (e) => e["detail-type"] === "EC2 Spot Instance Interruption Warning",
    );
    expect(warning).toMatchObject({
      source: "aws.ec2",
      detail: { "instance-id": id, "instance-action": "terminate" },
      time: seconds(noticeAt),
    });
    const imds = await fetchWithToken(id, "/latest/meta-data/spot/instance-action");
    expect(JSON.parse(imds)).toEqual({
      action: "terminate",
      time: seconds(noticeAt + 120_000),
    });
    t.clock.advance(119_000);
    expect(t.emulator.control.instance(id)?.state).toBe("running");
    t.clock.advance(1000);
    const [instance] =
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
        ?.Instances ?? [];
    expect(instance?.State?.Name).toBe("shutting-down");
    expect(instance?.StateReason?.Code).toBe("Server.SpotInstanceTermination");
    unsubscribe();
  });

  it("refuses to interrupt an on-demand instance", async () => {
    const id = (await run()).Instances?.[0]?.InstanceId ?? "";
    expect(() => t.emulator.control.interruptSpot(id)).toThrow(/not a spot instance/);
  });
});

describe("rebalance recommendation", () => {
  it("emits EC2's event and serves events/recommendations/rebalance, 404 before", async () => {
    const events: Ec2EventBridgeEvent[] = [];
    const unsubscribe = t.emulator.onEvent((e) => events.push(e));
    const id =
      (await run(ec2, { InstanceMarketOptions: { MarketType: "spot" } })).Instances?.[0]
        ?.InstanceId ?? "";
    t.clock.advance(1000);
    const path = "/latest/meta-data/events/recommendations/rebalance";
    expect(await statusOf(id, path)).toBe(404);
    const noticeAt = t.clock.now();
    const answer = await fetch(`${t.endpoint}/_ec2/instances/${id}/rebalance-recommendation`, {
      method: "POST",
    });
    const { instance } = (await answer.json()) as {
      instance: { rebalanceRecommendation?: { noticeTime: string } };
    };
    expect(instance.rebalanceRecommendation).toEqual({
      noticeTime: new Date(noticeAt).toISOString(),
    });
    await Promise.resolve();
    expect(
      events.filter((e) => e["detail-type"] === "EC2 Instance Rebalance Recommendation"),
    ).toEqual([
      {
        version: "0",
        id: expect.any(String),
        "detail-type": "EC2 Instance Rebalance Recommendation",
        source: "aws.ec2",
        account: "000000000000",
        time: seconds(noticeAt),
        region: "us-east-1",
        resources: [`arn:aws:ec2:us-east-1:000000000000:instance/${id}`],
        detail: { "instance-id": id },
      },
    ]);
    expect(await fetchWithToken(id, path)).toBe(`{"noticeTime": "${seconds(noticeAt)}"}`);
    expect(await fetchWithToken(id, "/latest/meta-data/events/maintenance/scheduled")).toBe("[]");
    t.clock.advance(600_000);
    expect(t.emulator.control.instance(id)?.state).toBe("running");
    unsubscribe();
  });

  it("is refused for an on-demand instance (409 over HTTP)", async () => {
    const id = (await run()).Instances?.[0]?.InstanceId ?? "";
    expect(() => t.emulator.control.recommendRebalance(id)).toThrow(/not a spot instance/);
    const answer = await fetch(`${t.endpoint}/_ec2/instances/${id}/rebalance-recommendation`, {
      method: "POST",
    });
    expect(answer.status).toBe(409);
  });
});

const seconds = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");

async function imds(instanceId: string, path: string): Promise<{ status: number; body: string }> {
  const base = `${t.endpoint}/_imds/${instanceId}`;
  const token = await (
    await fetch(`${base}/latest/api/token`, {
      method: "PUT",
      headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" },
    })
  ).text();
  const res = await fetch(`${base}${path}`, { headers: { "x-aws-ec2-metadata-token": token } });
  return { status: res.status, body: await res.text() };
}

const statusOf = async (instanceId: string, path: string) => (await imds(instanceId, path)).status;

async function fetchWithToken(instanceId: string, path: string): Promise<string> {
  const { status, body } = await imds(instanceId, path);
  expect(status).toBe(200);
  return body;
}
