/** The components setup and check-setup report on, and what they need to see them. */

import type { AdminSettings } from "../../domain/admins.ts";
import { DomainError } from "../../domain/errors.ts";
import type { ProofSettings } from "../../domain/instance-proof.ts";
import type { ConfigStore } from "../../ports/config-store.ts";
import type { Deployment, StackNames } from "../../ports/deployment.ts";
import type { Ec2Network } from "../../ports/ec2.ts";

export type ComponentName =
  | "config-bucket"
  | "state-table"
  | "lambda-functions"
  | "instance-profile"
  | "instance-proof"
  | "security-group"
  | "key-pair"
  | "pool-settings";

/** The words condor_annex used for each component. */
export const LABELS: Record<ComponentName, string> = {
  "config-bucket": "configuration bucket",
  "state-table": "state table",
  "lambda-functions": "Lambda functions",
  "instance-profile": "instance profile",
  "instance-proof": "instance proof",
  "security-group": "security group",
  "key-pair": "key pair",
  "pool-settings": "pool settings",
};

/** What is wrong with the instance proof's configuration, and what to do (nothing when it is fine). */
export function instanceProofProblem(proof: ProofSettings): string | undefined {
  if (proof.problems === undefined) return undefined;
  return `instances cannot prove who they are: ${proof.problems.join("; ")}: deploy the stack with serverless.yml's environment (see README, Deploying)`;
}

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
  /** Who may run setup (ANNEX_ADMINS). */
  admins: AdminSettings;
  /** The instance proof's configuration, checked by setup and check-setup. */
  instanceProof: ProofSettings;
  store: Omit<ConfigStore, "bundleKey" | "putBundle" | "deleteBundle" | "presignBundle">;
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
