/** The emulator's state: plain JSON records, so it can be saved and loaded as one document. */

import type {
  CreateFleetRequest,
  CreateFleetResult,
  RequestLaunchTemplateData,
  SpotFleetRequestConfigData,
} from "@aws-sdk/client-ec2";

export type InstanceStateName =
  | "pending"
  | "running"
  | "shutting-down"
  | "terminated"
  | "stopping"
  | "stopped";

/** A tag as EC2 stores it (both halves present). */
export interface TagPair {
  Key: string;
  Value: string;
}

export interface MetadataSettings {
  httpTokens: "optional" | "required";
  httpEndpoint: "enabled" | "disabled";
  instanceTags: "enabled" | "disabled";
  hopLimit: number;
}

export interface InstanceRecord {
  id: string;
  /** Creation order, the key of stable pagination. */
  seq: number;
  reservationId: string;
  amiLaunchIndex: number;
  imageId: string;
  instanceType: string;
  architecture: string;
  keyName?: string;
  state: InstanceStateName;
  /** When the current transitional state (pending, shutting-down, stopping) ends. */
  nextTransitionAt?: number;
  launchTime: number;
  /** Eventual consistency: Describe* and id lookups see the instance from this time on. */
  visibleAt: number;
  stateTransitionReason: string;
  stateReason?: { code: string; message: string };
  availabilityZone: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  groupIds: string[];
  tags: TagPair[];
  volume: { id: string; tags: TagPair[]; sizeGiB: number };
  userData?: string;
  iamInstanceProfile?: { arn: string; id: string };
  clientToken?: string;
  shutdownBehavior: "stop" | "terminate";
  lifecycle?: "spot";
  spotRequestId?: string;
  /** The spot fleet request (`sfr-…`) or EC2 Fleet (`fleet-…`) that launched it. */
  fleetId?: string;
  interruption?: { noticeAt: number; terminateAt: number };
  /** When EC2 recommended rebalancing this spot instance (elevated interruption risk). */
  rebalanceAt?: number;
  /** Access key ids of the instance-profile credentials issued to it, oldest first. */
  credentialKeys?: string[];
  metadata: MetadataSettings;
  /** Once terminated: when the instance disappears from Describe*. */
  purgeAt?: number;
}

export interface ClientTokenRecord {
  fingerprint: string;
  reservationId: string;
  instanceIds: string[];
}

/** One security group rule: a protocol, a port range and one peer. */
export interface RuleRecord {
  id: string;
  /** `tcp`, `udp`, `icmp` or `-1` (all). */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  groupId?: string;
  description?: string;
}

export interface SecurityGroupRecord {
  id: string;
  seq: number;
  name: string;
  description: string;
  vpcId: string;
  ingress: RuleRecord[];
  egress: RuleRecord[];
  tags: TagPair[];
}

export interface KeyPairRecord {
  id: string;
  name: string;
  type: "rsa" | "ed25519";
  fingerprint: string;
  publicKey: string;
  createdAt: number;
  tags: TagPair[];
}

export interface SubnetRecord {
  id: string;
  vpcId: string;
  availabilityZone: string;
  availabilityZoneId: string;
  cidr: string;
  /** Host part of the next private address handed out. */
  nextHost: number;
  tags: TagPair[];
}

export interface VpcRecord {
  id: string;
  cidr: string;
  isDefault: boolean;
  tags: TagPair[];
}

export interface LaunchTemplateRecord {
  id: string;
  seq: number;
  name: string;
  createdAt: number;
  data: RequestLaunchTemplateData;
  tags: TagPair[];
}

export type SpotFleetState =
  | "submitted"
  | "active"
  | "cancelled"
  | "failed"
  | "cancelled_running"
  | "cancelled_terminating"
  | "modifying";

export interface SpotFleetRecord {
  id: string;
  seq: number;
  state: SpotFleetState;
  activityStatus: "error" | "pending_fulfillment" | "pending_termination" | "fulfilled";
  createdAt: number;
  config: SpotFleetRequestConfigData;
  validFrom?: number;
  validUntil?: number;
  clientToken?: string;
  fingerprint: string;
  instanceIds: string[];
  /** Capacity units each launched instance counts for. */
  weights: Record<string, number>;
  /** Instances launched on-demand (OnDemandTargetCapacity). */
  onDemandIds: string[];
  /** Units ever launched (a `request` fleet stops once it reached its target). */
  launchedUnits: number;
  tags: TagPair[];
}

export interface FleetRecord {
  id: string;
  seq: number;
  type: "instant" | "request" | "maintain";
  state: "submitted" | "active" | "deleted" | "failed" | "deleted_running" | "deleted_terminating";
  createdAt: number;
  clientToken?: string;
  fingerprint: string;
  request: CreateFleetRequest;
  instanceIds: string[];
  /** Capacity units each launched instance counts for. */
  weights: Record<string, number>;
  validUntil?: number;
  terminateOnExpiry: boolean;
  tags: TagPair[];
  /** The CreateFleet answer, replayed for a repeated client token. */
  result: CreateFleetResult;
}

/** Instance-profile credentials as the metadata service hands them out (secrets included). */
export interface RoleCredentialRecord {
  accessKeyId: string;
  secretAccessKey: string;
  token: string;
  instanceId: string;
  roleName: string;
  issuedAt: number;
  expiresAt: number;
}

/** A spot price in force from `at` on. */
export interface PricePoint {
  at: number;
  price: number;
}

export interface Ec2State {
  version: 1;
  seq: number;
  vpcs: Record<string, VpcRecord>;
  subnets: Record<string, SubnetRecord>;
  instances: Record<string, InstanceRecord>;
  clientTokens: Record<string, ClientTokenRecord>;
  securityGroups: Record<string, SecurityGroupRecord>;
  keyPairs: Record<string, KeyPairRecord>;
  launchTemplates: Record<string, LaunchTemplateRecord>;
  spotFleets: Record<string, SpotFleetRecord>;
  fleets: Record<string, FleetRecord>;
  /** When the built-in spot prices started to be in force (the first price of every history). */
  priceOrigin?: number;
  /** Spot price changes per `type|zone`, oldest first. */
  spotPriceChanges: Record<string, PricePoint[]>;
  /** On-demand prices pinned through the control interface, per type (this region). */
  onDemandPrices: Record<string, number>;
  /** Instance-profile credentials by access key id. */
  roleCredentials: Record<string, RoleCredentialRecord>;
  /** Images registered as arm64 through the control interface (all others are x86_64). */
  imageArchitectures: Record<string, "x86_64" | "arm64">;
}

/** An empty state; the default VPC is added by `ensureDefaultNetwork`. */
export const emptyState = (): Ec2State => ({
  version: 1,
  seq: 0,
  vpcs: {},
  subnets: {},
  instances: {},
  clientTokens: {},
  securityGroups: {},
  keyPairs: {},
  launchTemplates: {},
  spotFleets: {},
  fleets: {},
  spotPriceChanges: {},
  onDemandPrices: {},
  roleCredentials: {},
  imageArchitectures: {},
});
