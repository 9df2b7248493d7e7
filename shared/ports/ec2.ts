/**
 * EC2 as the core uses it: instances, spot fleets, and the network pieces setup makes. Adapters
 * throw domain errors (launch-errors.ts), never SDK errors, for what the core decides on.
 */

import type { Market } from "../domain/fleet.ts";
import type { Ec2Tag } from "../domain/tags.ts";

/** What the product needs to know of an EC2 instance. Times are epoch seconds. */
export interface Ec2Instance {
  id: string;
  type: string;
  state: string;
  launchedAt: number;
  tags: Record<string, string>;
  /** Where it runs and on which market (EC2's InstanceLifecycle: spot, else on-demand). */
  availabilityZone?: string;
  market?: Market;
  /** The instance profile it runs with, if any. */
  instanceProfileArn?: string;
}

/** One RunInstances: everything an annex's instances are launched with. */
export interface LaunchRequest {
  clientToken: string;
  imageId: string;
  instanceType: string;
  count: number;
  userData: string;
  securityGroupIds: string[];
  keyName?: string | undefined;
  instanceProfileName?: string | undefined;
  tags: Ec2Tag[];
}

/** A DescribeInstances filter (EC2's names, e.g. `tag:annex:id`; values may use `*`). */
export interface Ec2Filter {
  Name: string;
  Values: string[];
}

/** Instances: launch, find by exact tag, terminate and tag in batches. */
export interface Ec2Instances {
  /**
   * Launches up to `count` instances (at least one), tagged at launch; a replay of the token
   * returns the same ones. Throws CapacityError, LaunchRejectedError or Ec2UnavailableError.
   */
  launch(request: LaunchRequest): Promise<Ec2Instance[]>;
  /** Every instance tagged `annex:id` = `annexId` (exact match), in all states. */
  findByAnnex(annexId: string): Promise<Ec2Instance[]>;
  /** Every instance tagged `annex:owner` = `owner` (exact match), in all states. */
  findByOwner(owner: string): Promise<Ec2Instance[]>;
  /** Instances carrying an `annex:id` tag in the given states, narrowed by `extra` filters. */
  findTagged(states: readonly string[], extra?: Ec2Filter[]): Promise<Ec2Instance[]>;
  /** The instances with these ids (unknown ids are left out). */
  byIds(instanceIds: string[]): Promise<Ec2Instance[]>;
  /**
   * Terminates instances (ids EC2 no longer knows are skipped); returns the calls made. Throws
   * TerminateRefusedError when EC2 refuses the call itself, ThrottledError when it throttles.
   */
  terminate(instanceIds: string[]): Promise<number>;
  /** Sets tags on instances (e.g. the new `annex:lease-expires`). */
  tag(instanceIds: string[], tags: Ec2Tag[]): Promise<void>;
}

/** Spot Fleet requests of spot-fleet annexes. */
export interface SpotFleets {
  /**
   * Requests the fleet (`config` is SpotFleetRequestConfigData); a replay of `clientToken` with
   * the same config returns the same fleet id. Throws the launch errors, as `launch` does.
   */
  request(config: Record<string, unknown>, clientToken: string): Promise<string>;
  /** Cancels the fleet and terminates its instances; an unknown or cancelled fleet is no error. */
  cancel(fleetId: string): Promise<void>;
}

/** One single-port TCP ingress rule of a security group. */
export interface IngressRule {
  port: number;
  cidr: string;
  description: string;
}

/** Security groups, VPCs and key pairs (setup and check-setup). */
export interface Ec2Network {
  /** The given VPC if it exists, else the account's default VPC (LaunchRejectedError if none). */
  vpcId(requested?: string): Promise<string>;
  /** The id of the group called `name` in `vpcId`, if there is one. */
  findGroup(vpcId: string, name: string): Promise<string | undefined>;
  groupExists(groupId: string): Promise<boolean>;
  createGroup(vpcId: string, name: string, description: string): Promise<string>;
  /** Opens `rule` on the group; false when the rule was already there. */
  allow(groupId: string, rule: IngressRule): Promise<boolean>;
  /** The group's single-port TCP ingress rules, one per CIDR. */
  ingressRules(groupId: string): Promise<IngressRule[]>;
  /** Closes one ingress rule. */
  revoke(groupId: string, rule: IngressRule): Promise<void>;
  keyPairExists(name: string): Promise<boolean>;
  /** Creates a key pair and returns its private key (shown once, never stored). */
  createKeyPair(name: string): Promise<string>;
}
