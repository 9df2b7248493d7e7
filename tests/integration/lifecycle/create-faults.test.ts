import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { apiClient, createRequest, SETUP, startTestStack } from "../../support/stack.ts";

type AnnexBody = {
  annex: {
    id: string;
    state: string;
    endReason?: string;
    failureReason?: string;
    requestedCount: number;
    instances: unknown[];
    events?: Array<{ type: string; message: string }>;
  };
  error?: { code: string; message: string };
};

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack);
  await api("POST", "/setup", SETUP);
});
afterAll(() => stack.stop());
afterEach(() => stack.aws.ec2.control.resetFaults());

const control = () => stack.aws.ec2.control;
const running = (annexId: string) =>
  control()
    .instances()
    .filter(
      (i) => i.tags["annex:id"] === annexId && (i.state === "pending" || i.state === "running"),
    );

describe("create under EC2 faults", () => {
  it("records and reports partial capacity", async () => {
    control().setCapacity("c5.xlarge", 2);
    const answer = await api<AnnexBody>(
      "POST",
      "/annexes",
      createRequest("Partial", { count: 5, instanceType: "c5.xlarge" }),
    );
    expect(answer.status).toBe(201);
    expect(answer.body.annex.requestedCount).toBe(5);
    expect(answer.body.annex.instances).toHaveLength(2);
    expect(running(answer.body.annex.id)).toHaveLength(2);
    const status = await api<AnnexBody>("GET", "/annexes/Partial");
    const partial = status.body.annex.events?.find((e) => e.type === "partial-capacity");
    expect(partial?.message).toContain("2 of 5");
    await api("DELETE", "/annexes/Partial");
  });

  it("leaves the annex failed with a reason and nothing running when EC2 has no capacity", async () => {
    control().setCapacity("r5.large", 0);
    const request = createRequest("NoCapacity", { instanceType: "r5.large" });
    const answer = await api<AnnexBody>("POST", "/annexes", request);
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe("InsufficientCapacity");
    expect(answer.body.annex).toMatchObject({ state: "ended", endReason: "failed" });
    expect(answer.body.annex.failureReason).toContain("capacity");
    expect(running(answer.body.annex.id)).toHaveLength(0);

    const replay = await api<AnnexBody>("POST", "/annexes", request);
    expect(replay.status).toBe(503);
    expect(replay.body.annex.id).toBe(answer.body.annex.id);

    control().setCapacity("r5.large", undefined);
    const retry = await api<AnnexBody>(
      "POST",
      "/annexes",
      createRequest("NoCapacity", { instanceType: "r5.large" }),
    );
    expect(retry.status).toBe(201);
    await api("DELETE", "/annexes/NoCapacity");
  });

  it("fails cleanly when EC2 refuses the image", async () => {
    control().setImageKnown("ami-0fedcba9876543210", false);
    const answer = await api<AnnexBody>(
      "POST",
      "/annexes",
      createRequest("BadImage", { imageId: "ami-0fedcba9876543210" }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.error?.message).toContain("InvalidAMIID.NotFound");
    expect(running(answer.body.annex.id)).toHaveLength(0);
  });

  it("retries through EC2 throttling and launches exactly one set per annex", async () => {
    control().setThrottling({ RunInstances: { burst: 1, refillPerSecond: 4 } });
    const requests = ["T1", "T2", "T3"].map((name) => createRequest(name, { count: 2 }));
    const answers = await Promise.all(
      requests.map((request) => api<AnnexBody>("POST", "/annexes", request)),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(201);
      expect(running(answer.body.annex.id)).toHaveLength(2);
    }
    const replays = await Promise.all(
      requests.map((request) => api<AnnexBody>("POST", "/annexes", request)),
    );
    for (const [i, replay] of replays.entries()) {
      expect(replay.status).toBe(200);
      expect(running(replay.body.annex.id)).toHaveLength(2);
      expect(replay.body.annex.id).toBe(answers[i]?.body.annex.id);
    }
    for (const name of ["T1", "T2", "T3"]) await api("DELETE", `/annexes/${name}`);
  });

  it("resumes a create whose launch failed transiently: the retry with the same token launches once", async () => {
    control().failNext("RunInstances", { count: 10, code: "InternalError", status: 500 });
    const request = createRequest("Transient");
    const first = await api<AnnexBody>("POST", "/annexes", request);
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ error: { code: "Ec2Unavailable" } });
    expect(first.text).toContain("retry the same request");
    control().resetFaults();
    const retry = await api<AnnexBody>("POST", "/annexes", request);
    expect(retry.status).toBe(200);
    expect(retry.body.annex.state).toBe("provisioning");
    expect(running(retry.body.annex.id)).toHaveLength(1);
    await api("DELETE", "/annexes/Transient");
  });
});
