/** The ports the annex life-cycle use-cases (create, status, reset, off) work through; create and off price too. */

import type { ProofSettings } from "../../domain/instance-proof.ts";
import type { ConfigStore } from "../../ports/config-store.ts";
import type { Ec2Instances, SpotFleets } from "../../ports/ec2.ts";
import type {
  CapacityMemory,
  Ec2Catalog,
  Ec2Fleets,
  LaunchTemplates,
} from "../../ports/ec2-fleets.ts";
import type { Log } from "../../ports/log.ts";
import type { SpotWatchList } from "../../ports/prices.ts";
import type {
  AnnexRepository,
  ClaimRepository,
  InstanceRepository,
} from "../../ports/repositories.ts";
import type { PricePorts } from "../prices/ports.ts";

export interface AnnexPorts {
  annexes: AnnexRepository;
  claims: ClaimRepository;
  instances: InstanceRepository;
  store: ConfigStore;
  ec2: Ec2Instances;
  /** Spot Fleet requests of spot-fleet annexes. */
  fleets: SpotFleets;
  /** Fleet annexes: instance types and subnets, their launch templates and instant EC2 Fleets. */
  catalog: Ec2Catalog;
  launchTemplates: LaunchTemplates;
  ec2Fleets: Ec2Fleets;
  /** Pools that lately had no capacity (fleet launches skip them). */
  capacityMemory: CapacityMemory;
  /** The API's base URL, which instances call to bootstrap (written into their user data). */
  apiUrl: string;
  /** How instances sign their proof (written into their user data), or why they cannot. */
  instanceProof: ProofSettings;
  /** The instance profile instances launch with. */
  instanceProfileName?: string | undefined;
  /** The deployment's stage: every launch is tagged with it (`annex:stage`). */
  stage: string;
  /** The stage's Spot Fleet role: the only IamFleetRole a spot-fleet config may name (IAM's PassRole). */
  spotFleetRoleArn: string;
  log: Log;
}

/** Prices, for estimates and spend; the annexes whose spot prices the enforcer watches. */
export interface PricedPorts {
  prices: PricePorts;
  watch: SpotWatchList;
}

/** What ending an annex (`off`, the lease, no instance left) works through. */
export interface EndPorts {
  annexes: Pick<AnnexRepository, "getAnnex" | "saveAnnex">;
  claims: Pick<ClaimRepository, "releaseName">;
  instances: Pick<
    InstanceRepository,
    "listInstances" | "listInstancesConsistent" | "saveInstance" | "appendEvent"
  >;
  store: Pick<ConfigStore, "deleteBundle">;
  ec2: Pick<Ec2Instances, "findByAnnex" | "terminate">;
  fleets: Pick<SpotFleets, "cancel">;
  ec2Fleets: Pick<Ec2Fleets, "findByAnnex" | "delete">;
  launchTemplates: Pick<LaunchTemplates, "delete">;
  /** For the final cost. */
  prices: PricePorts;
  watch: SpotWatchList;
  log: Pick<Log, "warn">;
}

/** What replacing an interrupted instance works through (the enforcer and the EC2 event handler). */
export interface ReplacePorts {
  annexes: Pick<AnnexRepository, "getAnnex">;
  instances: Pick<
    InstanceRepository,
    "getInstance" | "saveInstance" | "addInstances" | "appendEvent"
  >;
  ec2: Pick<Ec2Instances, "terminate">;
  ec2Fleets: Pick<Ec2Fleets, "launch" | "findByAnnex" | "delete">;
  launchTemplates: Pick<LaunchTemplates, "delete">;
  catalog: Pick<Ec2Catalog, "instanceTypes">;
  capacityMemory: CapacityMemory;
  stage: string;
}
