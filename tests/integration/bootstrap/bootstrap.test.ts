import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { BUNDLE_PATHS } from "../../../shared/domain/condor-config.ts";
import { readTarGz } from "../../../shared/domain/tar.ts";
import { identityOf } from "../../support/imds.ts";
import { ec2At } from "../../support/sdk.ts";
import {
  apiClient,
  createRequest,
  POOL_PASSWORD,
  SETUP,
  startTestStack,
  TEST_IMAGE,
} from "../../support/stack.ts";

type AnnexBody = {
  annex: {
    id: string;
    instances: Array<{ id: string; joined: boolean }>;
    state: string;
    events?: Array<{ type: string; message: string; instanceIds?: string[] }>;
  };
};
type Bootstrap = {
  annexId: string;
  annexName: string;
  instanceId: string;
  configUrl: string;
  heartbeatToken: string;
  leaseExpiresAtEpoch: number;
};

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let annexA: AnnexBody["annex"];
let annexB: AnnexBody["annex"];
beforeAll(async () => {
  stack = await startTestStack();
  api = apiClient(stack);
  await api("POST", "/setup", SETUP);
  annexA = (await api<AnnexBody>("POST", "/annexes", createRequest("AnnexA", { count: 2 }))).body
    .annex;
  annexB = (await api<AnnexBody>("POST", "/annexes", createRequest("AnnexB"))).body.annex;
});
afterAll(() => stack.stop());

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
};
const trail = async (name: string) =>
  (await api<AnnexBody>("GET", `/annexes/${name}`)).body.annex.events ?? [];
const firstOf = (annex: AnnexBody["annex"]) => annex.instances[0]?.id ?? "";

describe("POST /bootstrap", () => {
  it("gives a verified instance a short-lived URL to its own annex's bundle, its heartbeat token and lease", async () => {
    const instanceId = firstOf(annexA);
    const answer = await post("/bootstrap", await identityOf(stack.awsEndpoint, instanceId));
    expect(answer.status).toBe(200);
    const body = answer.body as unknown as Bootstrap;
    expect(body).toMatchObject({ annexId: annexA.id, annexName: "AnnexA", instanceId });
    expect(body.configUrl).toContain(`annexes/${annexA.id}/config.tar.gz`);
    expect(body.configUrl).toMatch(/X-Amz-Expires=300\b/);
    expect(body.heartbeatToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.text).not.toContain(POOL_PASSWORD);

    const bundle = readTarGz(Buffer.from(await (await fetch(body.configUrl)).arrayBuffer()));
    const config = bundle.find((entry) => entry.path === BUNDLE_PATHS.config);
    expect(config?.content.toString()).toContain('AnnexName = "AnnexA"');
    expect(bundle.find((entry) => entry.path === BUNDLE_PATHS.password)?.mode).toBe(0o600);

    const status = await api<AnnexBody>("GET", "/annexes/AnnexA");
    expect(status.body.annex.state).toBe("running");
    expect(status.body.annex.instances.find((i) => i.id === instanceId)?.joined).toBe(true);
    expect(status.body.annex.events?.at(-1)).toMatchObject({
      type: "bootstrapped",
      instanceIds: [instanceId],
    });
  });

  it("answers the same running instance again (a lost answer is retried), and audits it", async () => {
    const answer = await post("/bootstrap", await identityOf(stack.awsEndpoint, firstOf(annexA)));
    expect(answer.status).toBe(200);
    expect((await trail("AnnexA")).at(-1)?.message).toContain("again");
  });

  const refused = (answer: { status: number; body: Record<string, unknown>; text: string }) => {
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ error: { code: "Forbidden", message: "bootstrap refused" } });
    expect(answer.text).not.toContain("configUrl");
  };

  it("refuses a forged signature", async () => {
    const identity = await identityOf(stack.awsEndpoint, annexA.instances[1]?.id ?? "");
    refused(
      await post("/bootstrap", {
        ...identity,
        signature: Buffer.from("forged").toString("base64"),
      }),
    );
  });

  it("refuses a document altered to name another instance", async () => {
    const identity = await identityOf(stack.awsEndpoint, annexA.instances[1]?.id ?? "");
    const altered = identity.document.replace(annexA.instances[1]?.id ?? "", firstOf(annexB));
    refused(await post("/bootstrap", { ...identity, document: altered }));
  });

  it("refuses the document of an instance of another account", async () => {
    const identity = await identityOf(stack.awsEndpoint, firstOf(annexB));
    const foreign = identity.document.replace('"000000000000"', '"999999999999"');
    expect(foreign).not.toBe(identity.document);
    const signature = stack.aws.ec2.control.signIdentityDocument(foreign);
    refused(await post("/bootstrap", { document: foreign, signature }));
  });

  it("refuses an instance that is not tagged for any annex", async () => {
    const launched = await ec2At(stack.awsEndpoint).send(
      new RunInstancesCommand({
        ImageId: TEST_IMAGE,
        InstanceType: "t3.micro",
        MinCount: 1,
        MaxCount: 1,
      }),
    );
    const untagged = launched.Instances?.[0]?.InstanceId ?? "";
    refused(await post("/bootstrap", await identityOf(stack.awsEndpoint, untagged)));
  });

  it("refuses another annex's instance asking for this annex, audited on the instance's own annex only", async () => {
    const identity = await identityOf(stack.awsEndpoint, firstOf(annexB));
    const before = await trail("AnnexA");
    refused(await post("/bootstrap", { ...identity, annexId: annexA.id }));
    expect(await trail("AnnexA")).toEqual(before);
    expect((await trail("AnnexB")).at(-1)).toMatchObject({
      type: "bootstrap-refused",
      instanceIds: [firstOf(annexB)],
    });
  });

  it("refuses a replay of a terminated instance's document", async () => {
    const identity = await identityOf(stack.awsEndpoint, firstOf(annexB));
    await api("DELETE", "/annexes/AnnexB");
    refused(await post("/bootstrap", identity));
    expect((await trail("AnnexB")).at(-1)).toMatchObject({ type: "bootstrap-refused" });
  });
});

describe("POST /heartbeat", () => {
  let bootstrap: Bootstrap;
  beforeAll(async () => {
    bootstrap = (await post("/bootstrap", await identityOf(stack.awsEndpoint, firstOf(annexA))))
      .body as unknown as Bootstrap;
  });
  const beat = (token: string, instanceId: string, state = "idle") =>
    post(
      "/heartbeat",
      {
        annexId: annexA.id,
        instanceId,
        state,
        slots: { total: 2, claimed: state === "busy" ? 1 : 0 },
      },
      { authorization: `Bearer ${token}` },
    );

  it("accepts the instance's own token and answers the lease and continue", async () => {
    const answer = await beat(bootstrap.heartbeatToken, bootstrap.instanceId, "busy");
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      instruction: "continue",
      leaseExpiresAtEpoch: bootstrap.leaseExpiresAtEpoch,
    });
  });

  it("refuses a token used for another instance, and a missing token", async () => {
    expect((await beat(bootstrap.heartbeatToken, annexA.instances[1]?.id ?? "")).status).toBe(403);
    const bare = await post("/heartbeat", {
      annexId: annexA.id,
      instanceId: bootstrap.instanceId,
      state: "idle",
    });
    expect(bare.status).toBe(403);
  });

  it("carries a reset lease in its answer, so the instance re-arms its power-off", async () => {
    await api("PATCH", "/annexes/AnnexA", { durationHours: 3 });
    const answer = await beat(bootstrap.heartbeatToken, bootstrap.instanceId);
    expect(answer.body.leaseExpiresAtEpoch).toBeGreaterThan(bootstrap.leaseExpiresAtEpoch);
  });

  it("answers stop once the annex is off", async () => {
    await api("DELETE", "/annexes/AnnexA");
    const answer = await beat(bootstrap.heartbeatToken, bootstrap.instanceId);
    expect(answer.body.instruction).toBe("stop");
  });
});
