import { describe, expect, it } from "vitest";
import type { AnnexEvent } from "../../../../shared/domain/annex.ts";
import {
  GET_CALLER_IDENTITY_BODY,
  type ProofSettings,
  StsUnavailableError,
} from "../../../../shared/domain/instance-proof.ts";
import type { Ec2Instance } from "../../../../shared/ports/ec2.ts";
import type { CallerIdentityAnswer } from "../../../../shared/ports/identity.ts";
import { bootstrapInstance } from "../../../../shared/use-cases/instances/bootstrap-instance.ts";
import type { BootstrapPorts } from "../../../../shared/use-cases/instances/ports.ts";
import { FakePrices } from "../../../support/fake-prices.ts";
import { sampleAnnex, T0 } from "../../domain/fixtures.ts";

const INSTANCE = "i-0123456789abcdef0";
const PROOF: ProofSettings = {
  config: {
    stsUrl: "https://sts.eu-west-1.amazonaws.com/",
    stsRegion: "eu-west-1",
    serverId: "api.example.org",
    role: { partition: "aws", accountId: "123456789012", name: "annex-instance" },
    instanceProfileName: "annex-profile",
  },
};
const amzDate = new Date(T0 * 1000).toISOString().replace(/[-:]|\.\d{3}/g, "");
const b64 = (text: string) => Buffer.from(text).toString("base64");
const BODY = {
  iamHttpRequestMethod: "POST",
  iamRequestUrl: b64("https://sts.eu-west-1.amazonaws.com/"),
  iamRequestBody: b64(GET_CALLER_IDENTITY_BODY),
  iamRequestHeaders: b64(
    JSON.stringify({
      host: "sts.eu-west-1.amazonaws.com",
      "x-amz-date": amzDate,
      "x-annex-server-id": "api.example.org",
      authorization: `AWS4-HMAC-SHA256 Credential=ASIA/x/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date;x-annex-server-id, Signature=${"0".repeat(64)}`,
    }),
  ),
};

/** Bootstrap ports over one annex and one EC2 instance; STS answers `sts`. */
function ports(options: {
  proof?: ProofSettings;
  key?: string;
  sts?: () => Promise<CallerIdentityAnswer>;
  instance?: Partial<Ec2Instance>;
}) {
  const annex = sampleAnnex({ state: "provisioning", leaseExpiresAt: T0 + 3600 });
  const prices = new FakePrices();
  const events: AnnexEvent[] = [];
  const warnings: Array<Record<string, unknown> | undefined> = [];
  let stsCalls = 0;
  const instance: Ec2Instance = {
    id: INSTANCE,
    type: "m5.large",
    state: "running",
    launchedAt: T0 - 60,
    tags: { "annex:id": annex.id },
    instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/annex-profile",
    ...options.instance,
  };
  const bootstrapPorts: BootstrapPorts = {
    proof: options.proof ?? PROOF,
    sts: {
      send: async () => {
        stsCalls += 1;
        return (options.sts ?? (async () => ({ arn: "" })))();
      },
    },
    annexes: {
      getAnnex: async (id) => (id === annex.id ? annex : undefined),
      saveAnnex: async (a) => a,
    },
    instances: {
      getInstance: async () => undefined,
      addInstances: async () => undefined,
      saveInstance: async (record) => record,
      appendEvent: async (event) => void events.push(event),
      listInstancesConsistent: async () => [],
    },
    prices: prices.ports,
    watch: prices.watch,
    ec2: { byIds: async (ids) => (ids.includes(INSTANCE) ? [instance] : []) },
    store: { presignBundle: async () => "https://bundle.example/?X-Amz-Expires=300" },
    heartbeatKey: {
      current: async () => ("key" in options ? options.key : "k".repeat(43)),
      changedSince: async () => undefined,
    },
    log: { warn: (_message, fields) => void warnings.push(fields), about: () => undefined },
  };
  return { ports: bootstrapPorts, annex, events, warnings, stsCalls: () => stsCalls };
}

const assumed = (role: string) => async () => ({
  arn: `arn:aws:sts::123456789012:assumed-role/${role}/${INSTANCE}`,
});

describe("bootstrapInstance", () => {
  it("answers a proven instance of our role its bundle URL and token", async () => {
    const { ports: p, annex } = ports({ sts: assumed("annex-instance") });
    await expect(bootstrapInstance(p, BODY, T0)).resolves.toMatchObject({
      annexId: annex.id,
      instanceId: INSTANCE,
    });
  });

  it("answers 503 while the proof's configuration is broken, logging why, without calling STS", async () => {
    const t = ports({ proof: { problems: ["ANNEX_SERVER_ID is not set"] } });
    await expect(bootstrapInstance(t.ports, BODY, T0)).rejects.toMatchObject({ status: 503 });
    expect(t.warnings).toContainEqual({ problems: ["ANNEX_SERVER_ID is not set"] });
    expect(t.stsCalls()).toBe(0);
  });

  it("answers 503 while setup has stored no heartbeat key, without calling STS", async () => {
    const t = ports({ key: undefined });
    await expect(bootstrapInstance(t.ports, BODY, T0)).rejects.toThrow(/annex setup/);
    expect(t.stsCalls()).toBe(0);
  });

  it("answers 503 when STS cannot answer (the instance retries)", async () => {
    const t = ports({
      sts: async () => {
        throw new StsUnavailableError("STS answered HTTP 500");
      },
    });
    await expect(bootstrapInstance(t.ports, BODY, T0)).rejects.toMatchObject({ status: 503 });
  });

  it("never sends STS a proof that breaks the rules (here: signed 20 minutes ago)", async () => {
    const t = ports({ sts: assumed("annex-instance") });
    await expect(bootstrapInstance(t.ports, BODY, T0 + 1200)).rejects.toMatchObject({
      status: 403,
    });
    expect(t.stsCalls()).toBe(0);
    expect(t.warnings.at(-1)?.reason).toContain("more than 15 minutes");
  });

  it("refuses another role's session named after an instance of ours, in the log only", async () => {
    const t = ports({ sts: assumed("someone-elses-role") });
    await expect(bootstrapInstance(t.ports, BODY, T0)).rejects.toMatchObject({ status: 403 });
    expect(t.events).toEqual([]);
    expect(t.warnings.at(-1)?.reason).toContain("runs with our instance profile");
  });

  it("refuses an instance running with another profile, on its own annex's trail", async () => {
    const t = ports({
      sts: assumed("someone-elses-role"),
      instance: { instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/theirs" },
    });
    await expect(bootstrapInstance(t.ports, BODY, T0)).rejects.toMatchObject({ status: 403 });
    expect(t.events).toEqual([
      expect.objectContaining({
        annexId: t.annex.id,
        type: "bootstrap-refused",
        instanceIds: [INSTANCE],
      }),
    ]);
  });

  it("refuses what STS refused, in the log only", async () => {
    const t = ports({ sts: async () => ({ refused: "SignatureDoesNotMatch" }) });
    await expect(bootstrapInstance(t.ports, BODY, T0)).rejects.toMatchObject({
      status: 403,
      message: "bootstrap refused",
    });
    expect(t.events).toEqual([]);
    expect(t.warnings.at(-1)?.reason).toBe("STS refused the proof (SignatureDoesNotMatch)");
  });
});
