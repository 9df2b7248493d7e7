/** The components setup and check-setup report on, and what they need to see them. */

import { DomainError } from "../../domain/errors.ts";
import type { ConfigStore } from "../../ports/config-store.ts";
import type { Deployment, StackNames } from "../../ports/deployment.ts";
import type { Ec2Network } from "../../ports/ec2.ts";

export type ComponentName =
  | "config-bucket"
  | "state-table"
  | "lambda-functions"
  | "instance-profile"
  | "identity-certificate"
  | "security-group"
  | "key-pair"
  | "pool-settings";

/** The words condor_annex used for each component. */
export const LABELS: Record<ComponentName, string> = {
  "config-bucket": "configuration bucket",
  "state-table": "state table",
  "lambda-functions": "Lambda functions",
  "instance-profile": "instance profile",
  "identity-certificate": "instance identity certificate",
  "security-group": "security group",
  "key-pair": "key pair",
  "pool-settings": "pool settings",
};

/** What to do when the stack was deployed without the region's identity certificate. */
export const IDENTITY_CERTIFICATE_HINT =
  "the stack has no instance identity certificate: deploy with --param identityCertificate=<the region's AWS RSA certificate> (see README, Deploying)";

export interface Component {
  name: ComponentName;
  label: string;
  status: "created" | "updated" | "unchanged" | "failed";
  action: string;
  seconds: number;
  /** Only when setup created a key pair: its private key, shown once. */
  privateKey?: string;
}

/** The ports of setup and check-setup. */
export interface SetupPorts {
  names: StackNames;
  store: Omit<ConfigStore, "putBundle" | "deleteBundle" | "presignBundle">;
  deployment: Deployment;
  network: Ec2Network;
  /** Milliseconds, for "seconds taken". */
  clock(): number;
}

/** One run of setup: its ports, and what earlier steps of this run learned, for later ones. */
export interface SetupRun extends SetupPorts {
  memo: { securityGroupId?: string; keyName?: string };
}

/** Runs one component step and reports it with the seconds it took; a thrown error fails it. */
export async function timed(
  ports: Pick<SetupPorts, "clock">,
  name: ComponentName,
  step: () => Promise<[Component["status"], string, string?]>,
): Promise<Component> {
  const started = ports.clock();
  let status: Component["status"];
  let action: string;
  let privateKey: string | undefined;
  try {
    [status, action, privateKey] = await step();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    status = "failed";
    action = error.message;
  }
  const seconds = Math.round((ports.clock() - started) / 100) / 10;
  return {
    name,
    label: LABELS[name],
    status,
    action,
    seconds,
    ...(privateKey ? { privateKey } : {}),
  };
}
