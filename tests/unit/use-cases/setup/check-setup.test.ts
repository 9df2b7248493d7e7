import { generate } from "selfsigned";
import { describe, expect, it } from "vitest";
import { isUsableCertificate } from "../../../../shared/adapters/aws/identity-verifier.ts";
import { checkSetup } from "../../../../shared/use-cases/setup/check-setup.ts";
import { runSetup } from "../../../../shared/use-cases/setup/setup.ts";
import type { SetupPorts } from "../../../../shared/use-cases/setup/setup-components.ts";

/** Setup ports over a deployed stack that has everything but, optionally, its identity certificate. */
function ports(certificateReady: boolean): SetupPorts {
  return {
    names: { table: "t", functions: ["f"], instanceProfile: "p", securityGroup: "g", keyPair: "k" },
    store: {
      bucket: "b",
      bucketExists: async () => true,
      getSettings: async () => undefined,
      putSettings: async () => undefined,
      getPoolSecret: async () => undefined,
      putPoolSecret: async () => undefined,
      getHeartbeatKey: async () => undefined,
      putHeartbeatKey: async () => undefined,
    },
    deployment: {
      tableExists: async () => true,
      missingFunctions: async () => [],
      instanceProfileArn: async () => "arn:aws:iam::1:instance-profile/p",
      identityCertificateReady: () => certificateReady,
    },
    network: {
      vpcId: async () => "vpc-1",
      findGroup: async () => undefined,
      groupExists: async () => false,
      createGroup: async () => {
        throw new Error("setup must stop before the security group");
      },
      allow: async () => true,
      ingressRules: async () => [],
      revoke: async () => undefined,
      keyPairExists: async () => false,
      createKeyPair: async () => "",
    },
    clock: () => 0,
  };
}

describe("the instance identity certificate", () => {
  it("is reported missing by check-setup, with how to deploy it", async () => {
    const answer = await checkSetup(ports(false));
    const component = answer.components.find((c) => c.name === "identity-certificate");
    expect(component).toMatchObject({ status: "missing", label: "instance identity certificate" });
    expect(component?.hint).toContain("--param identityCertificate=");
  });

  it("stops setup before anything is created when it is missing", async () => {
    const answer = await runSetup(ports(false), {
      collectorHost: "cm",
      allowCidr: "10.0.0.0/8",
      poolPassword: "x",
    });
    expect(answer.ok).toBe(false);
    expect(answer.components.at(-1)).toMatchObject({
      name: "identity-certificate",
      status: "failed",
    });
  });

  it("is usable only when it parses as a certificate", async () => {
    const { cert } = await generate([{ name: "commonName", value: "test" }], { keySize: 2048 });
    expect(isUsableCertificate(cert)).toBe(true);
    expect(isUsableCertificate("")).toBe(false);
    expect(isUsableCertificate(undefined)).toBe(false);
    expect(
      isUsableCertificate("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"),
    ).toBe(false);
  });
});
