/** The components setup and check-setup report on, and what they need to see them. */

import type { IngressRule } from "../../adapters/aws/ec2-network.ts";
import { DomainError } from "../../domain/errors.ts";
import type { PoolSecret, PoolSettings } from "../../domain/settings.ts";

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

/** The ports of setup and check-setup (narrow views of the adapters). */
export interface SetupPorts {
  names: {
    table: string;
    functions: string[];
    instanceProfile: string;
    securityGroup: string;
    keyPair: string;
  };
  store: {
    bucket: string;
    bucketExists(): Promise<boolean>;
    getSettings(): Promise<PoolSettings | undefined>;
    putSettings(settings: PoolSettings): Promise<void>;
    getPoolSecret(): Promise<PoolSecret | undefined>;
    putPoolSecret(secret: PoolSecret): Promise<void>;
    getHeartbeatKey(): Promise<string | undefined>;
    putHeartbeatKey(key: string): Promise<void>;
  };
  deployment: {
    tableExists(name: string): Promise<boolean>;
    missingFunctions(names: string[]): Promise<string[]>;
    instanceProfileArn(name: string): Promise<string | undefined>;
    identityCertificateReady(): boolean;
  };
  network: {
    vpcId(requested?: string): Promise<string>;
    findGroup(vpcId: string, name: string): Promise<string | undefined>;
    groupExists(groupId: string): Promise<boolean>;
    createGroup(vpcId: string, name: string, description: string): Promise<string>;
    allow(groupId: string, rule: IngressRule): Promise<boolean>;
    ingressRules(groupId: string): Promise<IngressRule[]>;
    revoke(groupId: string, rule: IngressRule): Promise<void>;
    keyPairExists(name: string): Promise<boolean>;
    createKeyPair(name: string): Promise<string>;
  };
  /** Milliseconds, for "seconds taken". */
  clock(): number;
  /** What earlier steps of this run learned, for later ones. */
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
