/**
 * EC2 as fleet annexes use it: the catalog (instance types, subnets), the launch template each
 * annex gets, instant EC2 Fleets, and the memory of pools that ran out of capacity. Adapters
 * throw domain errors (launch-errors.ts) for what the core decides on.
 */

import type {
  FleetOverride,
  FleetRequirements,
  FleetSubnet,
  Market,
  Pool,
} from "../domain/fleet.ts";
import type { Ec2Tag } from "../domain/tags.ts";

/** What weighting needs to know of an instance type. */
export interface InstanceTypeInfo {
  instanceType: string;
  vcpus: number;
  memoryMiB: number;
}

/** Instance types and subnets, read before anything is launched. */
export interface Ec2Catalog {
  /** vCPUs and memory of each type; UnknownInstanceTypesError naming those EC2 does not know. */
  instanceTypes(types: readonly string[]): Promise<InstanceTypeInfo[]>;
  /** The instance types matching `requirements` (any architecture). */
  typesMatching(requirements: FleetRequirements): Promise<string[]>;
  /** One subnet per Availability Zone of the VPC the groups are in (the default VPC when none). */
  subnetsPerZone(securityGroupIds: readonly string[]): Promise<FleetSubnet[]>;
}

/** What an annex's launch template carries for every instance of its fleets. */
export interface LaunchTemplateRequest {
  name: string;
  imageId: string;
  userData: string;
  securityGroupIds: string[];
  keyName?: string | undefined;
  instanceProfileName?: string | undefined;
  /** Tags of the template itself and of every instance and volume launched from it. */
  tags: Ec2Tag[];
}

/** The launch template the service creates per fleet annex (and deletes at its end). */
export interface LaunchTemplates {
  /** Creates the template, or answers the id of the one already called `name` (a replay). */
  ensure(request: LaunchTemplateRequest): Promise<string>;
  /** Deletes the template called `name`; one that does not exist is no error. */
  delete(name: string): Promise<void>;
}

/** One instant EC2 Fleet on one market. */
export interface FleetLaunchRequest {
  clientToken: string;
  launchTemplateId: string;
  market: Market;
  targetCapacity: number;
  /** `vcpu` only with attribute-based overrides (EC2 weighs each type by its vCPUs). */
  unit: "vcpu" | "units";
  overrides: FleetOverride[];
  /** Tags of the fleet. */
  fleetTags: Ec2Tag[];
  /** Tags of every instance at launch (the annex's, with the current lease), over the template's. */
  instanceTags: Ec2Tag[];
}

/** An instance an instant fleet launched. */
export interface FleetInstance {
  instanceId: string;
  instanceType: string;
  subnetId?: string | undefined;
  market: Market;
}

/** A pool an instant fleet could not fill, as its answer's `Errors` say. */
export interface FleetError {
  instanceType?: string | undefined;
  subnetId?: string | undefined;
  market: Market;
  code: string;
  message: string;
}

/** An instant fleet's answer. */
export interface FleetLaunchResult {
  fleetId: string;
  instances: FleetInstance[];
  errors: FleetError[];
}

/** Instant EC2 Fleets. */
export interface Ec2Fleets {
  /** CreateFleet (`instant`); a replay of the client token answers the same. Throws the launch errors. */
  launch(request: FleetLaunchRequest): Promise<FleetLaunchResult>;
  /** The ids of the fleets tagged `annex:id` = `annexId`. */
  findByAnnex(annexId: string): Promise<string[]>;
  /** Deletes fleets and terminates their instances; unknown or deleted fleets are no error. */
  delete(fleetIds: readonly string[]): Promise<void>;
}

/** Pools that ran out of capacity lately, shared by every function (DynamoDB in AWS). */
export interface CapacityMemory {
  /** The pools remembered at `now` (within CAPACITY_ERROR_MEMORY_SECONDS of their error). */
  recent(now: number): Promise<Pool[]>;
  /** Remembers that these pools had no capacity at `now`. */
  remember(pools: readonly Pool[], now: number): Promise<void>;
}
