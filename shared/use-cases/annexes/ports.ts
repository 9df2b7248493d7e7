/** The ports the annex use-cases work through: narrow views of the adapters, so tests can hand in fakes. */

import type { AnnexRepository } from "../../adapters/aws/annex-repository.ts";
import type { ConfigStore } from "../../adapters/aws/config-store.ts";
import type { Ec2Instances } from "../../adapters/aws/ec2-instances.ts";
import type { Ec2SpotFleets } from "../../adapters/aws/ec2-spot-fleets.ts";
import type { InstanceRepository } from "../../adapters/aws/instance-repository.ts";

export interface AnnexPorts {
  annexes: Pick<
    AnnexRepository,
    | "claimToken"
    | "releaseToken"
    | "claimName"
    | "releaseName"
    | "createAnnex"
    | "getAnnex"
    | "saveAnnex"
    | "findByName"
    | "listByOwner"
  >;
  instances: Pick<
    InstanceRepository,
    "addInstances" | "appendEvent" | "listInstances" | "listEvents" | "saveInstance"
  >;
  store: Pick<ConfigStore, "getSettings" | "getPoolSecret" | "putBundle" | "deleteBundle">;
  ec2: Pick<Ec2Instances, "launch" | "terminate" | "findByAnnex" | "findByOwner" | "tag">;
  /** Spot Fleet requests of spot-fleet annexes. */
  fleets: Pick<Ec2SpotFleets, "request" | "cancel">;
  /** The user data for an annex's instances: our bootstrap, plus the user's own if given (throws ValidationError). */
  userData(userSupplied: string | undefined, bootGraceSeconds: number): string;
  instanceProfileName?: string;
}
