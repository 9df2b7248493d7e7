import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_NAMES, type LocalStack } from "../../../local/stack.ts";
import { BUNDLE_PATHS } from "../../../shared/domain/condor-config.ts";
import { readTarGz } from "../../../shared/domain/tar.ts";
import { credentialsOf } from "../../support/imds.ts";
import { instanceProof, proofBody, signedProof } from "../../support/proof.ts";
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
const secondOf = (annex: AnnexBody["annex"]) => annex.instances[1]?.id ?? "";

/** An instance launched beside the service's (someone in the account with EC2 rights). */
async function launchOwn(options: { profile?: string; annexId?: string } = {}): Promise<string> {
  const launched = await ec2At(stack.awsEndpoint).send(
    new RunInstancesCommand({
      ImageId: TEST_IMAGE,
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      ...(options.profile ? { IamInstanceProfile: { Name: options.profile } } : {}),
      ...(options.annexId
        ? {
            TagSpecifications: [
              { ResourceType: "instance", Tags: [{ Key: "annex:id", Value: options.annexId }] },
            ],
          }
        : {}),
    }),
  );
  return launched.Instances?.[0]?.InstanceId ?? "";
}

const refused = (answer: { status: number; body: Record<string, unknown>; text: string }) => {
  expect(answer.status).toBe(403);
  expect(answer.body).toEqual({ error: { code: "Forbidden", message: "bootstrap refused" } });
  expect(answer.text).not.toContain("configUrl");
};

/** Runs `refusal` and returns what it added to each annex's trail. */
async function trailsAfter(refusal: () => Promise<void>) {
  const before = { A: (await trail("AnnexA")).length, B: (await trail("AnnexB")).length };
  await refusal();
  return { A: (await trail("AnnexA")).slice(before.A), B: (await trail("AnnexB")).slice(before.B) };
}

describe("POST /bootstrap", () => {
  it("gives a proven instance a short-lived URL to its own annex's bundle, its heartbeat token and lease", async () => {
    const instanceId = firstOf(annexA);
    const answer = await post("/bootstrap", await instanceProof(stack, instanceId));
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
    const answer = await post("/bootstrap", await instanceProof(stack, firstOf(annexA)));
    expect(answer.status).toBe(200);
    expect((await trail("AnnexA")).at(-1)?.message).toContain("again");
  });

  it("refuses a forged signature (not the instance's secret), in the log only", async () => {
    const { accessKeyId, sessionToken } = await credentialsOf(stack.awsEndpoint, secondOf(annexA));
    const forged = { accessKeyId, sessionToken, secretAccessKey: "guessed" };
    const added = await trailsAfter(async () =>
      refused(
        await post(
          "/bootstrap",
          await instanceProof(stack, secondOf(annexA), { credentials: forged }),
        ),
      ),
    );
    expect(added).toEqual({ A: [], B: [] });
  });

  it("refuses a proof altered after signing (another server id put in), in the log only", async () => {
    const signed = await signedProof(stack, secondOf(annexA));
    const altered = { ...signed, headers: { ...signed.headers, "x-annex-server-id": "tampered" } };
    const added = await trailsAfter(async () =>
      refused(await post("/bootstrap", proofBody(altered))),
    );
    expect(added).toEqual({ A: [], B: [] });
  });

  it("refuses a proof signed for another deployment (replayed elsewhere), in the log only", async () => {
    const added = await trailsAfter(async () =>
      refused(
        await post(
          "/bootstrap",
          await instanceProof(stack, secondOf(annexA), { serverId: "cloud-annex-other-api" }),
        ),
      ),
    );
    expect(added).toEqual({ A: [], B: [] });
  });

  it("refuses a proof that does not sign the server id, or signs for another STS endpoint", async () => {
    const added = await trailsAfter(async () => {
      const unsigned = await signedProof(stack, secondOf(annexA), { serverId: null });
      const carried = {
        ...unsigned,
        headers: {
          ...unsigned.headers,
          "x-annex-server-id": stack.environment.ANNEX_SERVER_ID ?? "",
        },
      };
      refused(await post("/bootstrap", proofBody(carried)));
      refused(
        await post(
          "/bootstrap",
          await instanceProof(stack, secondOf(annexA), { url: "https://sts.amazonaws.com/" }),
        ),
      );
    });
    expect(added).toEqual({ A: [], B: [] });
  });

  it("refuses an expired proof (signed 16 minutes ago), in the log only", async () => {
    const signingDate = new Date(Date.now() - 16 * 60_000);
    const added = await trailsAfter(async () =>
      refused(
        await post("/bootstrap", await instanceProof(stack, secondOf(annexA), { signingDate })),
      ),
    );
    expect(added).toEqual({ A: [], B: [] });
  });

  it("refuses a caller that is not an instance role (a user's own keys)", async () => {
    const added = await trailsAfter(async () =>
      refused(
        await post(
          "/bootstrap",
          await instanceProof(stack, secondOf(annexA), {
            credentials: { accessKeyId: "alice", secretAccessKey: "alice" },
          }),
        ),
      ),
    );
    expect(added).toEqual({ A: [], B: [] });
  });

  it("refuses an instance with another instance profile tagged for an annex, audited on that annex only", async () => {
    stack.aws.controlPlane.addInstanceProfile("someone-elses-profile", "someone-elses-role");
    const intruder = await launchOwn({ profile: "someone-elses-profile", annexId: annexA.id });
    const added = await trailsAfter(async () =>
      refused(await post("/bootstrap", await instanceProof(stack, intruder))),
    );
    expect(added.B).toEqual([]);
    expect(added.A).toEqual([
      expect.objectContaining({
        type: "bootstrap-refused",
        instanceIds: [intruder],
        message: expect.stringContaining("another instance role (someone-elses-role)"),
      }),
    ]);
  });

  it("refuses an instance with our profile that is not tagged for any annex, in the log only", async () => {
    const untagged = await launchOwn({ profile: LOCAL_NAMES.instanceProfile });
    const added = await trailsAfter(async () =>
      refused(await post("/bootstrap", await instanceProof(stack, untagged))),
    );
    expect(added).toEqual({ A: [], B: [] });
  });

  it("refuses another annex's instance asking for this annex, audited on its own annex only", async () => {
    const added = await trailsAfter(async () =>
      refused(
        await post("/bootstrap", {
          ...(await instanceProof(stack, firstOf(annexB))),
          annexId: annexA.id,
        }),
      ),
    );
    expect(added.A).toEqual([]);
    expect(added.B).toEqual([
      expect.objectContaining({ type: "bootstrap-refused", instanceIds: [firstOf(annexB)] }),
    ]);
  });

  it("refuses a replay of a terminated instance's proof, audited on its annex", async () => {
    const proof = await instanceProof(stack, firstOf(annexB));
    await api("DELETE", "/annexes/AnnexB");
    refused(await post("/bootstrap", proof));
    expect((await trail("AnnexB")).at(-1)).toMatchObject({ type: "bootstrap-refused" });
  });

  it("refuses a malformed proof with 422, naming the field", async () => {
    const answer = await post("/bootstrap", { document: "{}", signature: "c2ln" });
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("iamRequestUrl");
  });
});

describe("POST /heartbeat", () => {
  let bootstrap: Bootstrap;
  beforeAll(async () => {
    bootstrap = (await post("/bootstrap", await instanceProof(stack, firstOf(annexA))))
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
