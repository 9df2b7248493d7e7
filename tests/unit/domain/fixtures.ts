/** Sample annexes and instances for domain tests. */

import type { Annex, AnnexInstance } from "../../../shared/domain/annex.ts";

export const T0 = 1_700_000_000;

/** A running annex created at T0 with a 50-minute lease and a 15-minute idle timeout. */
export function sampleAnnex(patch: Partial<Annex> = {}): Annex {
  return {
    id: "01J9ZQ3B5V6N7M8K9H0G1F2E3D",
    name: "MyFirstAnnex",
    owner: "arn:aws:iam::123456789012:user/alice",
    kind: "on-demand",
    state: "running",
    requestedCount: 2,
    instanceType: "m5.large",
    imageId: "ami-a2a795b4",
    securityGroupIds: ["sg-01234567"],
    owners: ["alice"],
    noOwner: false,
    tags: { project: "genomics" },
    leaseExpiresAt: T0 + 2988,
    idleTimeoutSeconds: 900,
    bootGraceSeconds: 900,
    clientToken: "tok",
    requestHash: "0".repeat(64),
    configKey: "annexes/01J9ZQ3B5V6N7M8K9H0G1F2E3D/config.tar.gz",
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...patch,
  };
}

/** An instance launched at T0 + 10 that bootstrapped at T0 + 100. */
export function sampleInstance(patch: Partial<AnnexInstance> = {}): AnnexInstance {
  return {
    annexId: "01J9ZQ3B5V6N7M8K9H0G1F2E3D",
    instanceId: "i-0123456789abcdef0",
    instanceType: "m5.large",
    ec2State: "running",
    launchedAt: T0 + 10,
    bootstrappedAt: T0 + 100,
    version: 1,
    ...patch,
  };
}
