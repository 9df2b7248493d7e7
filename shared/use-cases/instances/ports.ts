/** The ports of the routes instances call: bootstrap and heartbeat. */

import type { ProofSettings } from "../../domain/instance-proof.ts";
import type { ConfigStore } from "../../ports/config-store.ts";
import type { Ec2Instances } from "../../ports/ec2.ts";
import type { CallerIdentity } from "../../ports/identity.ts";
import type { Log } from "../../ports/log.ts";
import type { AnnexRepository, InstanceRepository } from "../../ports/repositories.ts";
import type { CostPorts } from "../annexes/cost.ts";

/** What the routes answer (503) while setup has stored no heartbeat key. */
export const POOL_NOT_SET_UP = "the pool is not set up yet: run `annex setup` (POST /setup)";

/** The heartbeat key as a container keeps it (HeartbeatKeyCache). */
export interface HeartbeatKeys {
  /** The key, or undefined while setup has stored none. */
  current(now: number): Promise<string | undefined>;
  /** A key other than `tried`, if a (rate-limited) read finds one. */
  changedSince(tried: string, now: number): Promise<string | undefined>;
}

/** What a heartbeat reads and writes (no EC2: the heartbeat function does not load its client). */
export interface HeartbeatPorts {
  annexes: Pick<AnnexRepository, "getAnnex">;
  instances: Pick<InstanceRepository, "getInstance" | "saveInstance" | "appendEvent">;
  heartbeatKey: HeartbeatKeys;
  log: Log;
}

/** What a bootstrap checks the instance against, and what it records (a new instance's spend too). */
export interface BootstrapPorts extends CostPorts {
  /** Where proofs go and what they must name (or why that is not configured). */
  proof: ProofSettings;
  sts: CallerIdentity;
  annexes: Pick<AnnexRepository, "getAnnex" | "saveAnnex">;
  instances: Pick<
    InstanceRepository,
    "getInstance" | "addInstances" | "saveInstance" | "appendEvent" | "listInstancesConsistent"
  >;
  ec2: Pick<Ec2Instances, "byIds">;
  store: Pick<ConfigStore, "presignBundle">;
  heartbeatKey: HeartbeatKeys;
  log: Log;
}
