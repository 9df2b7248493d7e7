/** The ports of the routes instances call: bootstrap and heartbeat. */

import type { ConfigStore } from "../../ports/config-store.ts";
import type { Ec2Instances } from "../../ports/ec2.ts";
import type { IdentityVerifier } from "../../ports/identity.ts";
import type { Log } from "../../ports/log.ts";
import type { AnnexRepository, InstanceRepository } from "../../ports/repositories.ts";
import type { CostPorts } from "../annexes/cost.ts";

/** What a heartbeat reads and writes (no EC2: the heartbeat function does not load its client). */
export interface HeartbeatPorts {
  annexes: Pick<AnnexRepository, "getAnnex">;
  instances: Pick<InstanceRepository, "getInstance" | "saveInstance" | "appendEvent">;
  store: Pick<ConfigStore, "getHeartbeatKey">;
  log: Log;
}

/** What a bootstrap checks the instance against, and what it records (a new instance's spend too). */
export interface BootstrapPorts extends CostPorts {
  verifier: IdentityVerifier;
  /** The AWS account the service runs in: instances of any other are refused. */
  accountId: string;
  annexes: Pick<AnnexRepository, "getAnnex" | "saveAnnex">;
  instances: Pick<
    InstanceRepository,
    "getInstance" | "addInstances" | "saveInstance" | "appendEvent" | "listInstancesConsistent"
  >;
  ec2: Pick<Ec2Instances, "byIds">;
  store: Pick<ConfigStore, "getHeartbeatKey" | "presignBundle">;
  log: Log;
}
