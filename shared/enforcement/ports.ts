/** What the enforcer and the EC2 event handler work through, and the time budget they keep to. */

import type { Ec2Instances } from "../ports/ec2.ts";
import type { CapacityMemory, Ec2Catalog, Ec2Fleets } from "../ports/ec2-fleets.ts";
import type { Log } from "../ports/log.ts";
import type { AnnexRepository, InstanceRepository } from "../ports/repositories.ts";
import type { EndPorts } from "../use-cases/annexes/ports.ts";

/** The ports of the enforcer: what ending an annex needs, plus the due-work reads. */
export interface EnforcePorts extends EndPorts {
  annexes: EndPorts["annexes"] &
    Pick<
      AnnexRepository,
      | "dueAnnexes"
      | "liveAnnexes"
      | "sweepMarks"
      | "advanceSweepMark"
      | "takeSweepLock"
      | "releaseSweepLock"
    >;
  instances: EndPorts["instances"] &
    Pick<
      InstanceRepository,
      "dueInstances" | "getInstance" | "annexIdOf" | "listInstancesConsistent" | "addInstances"
    >;
  ec2: EndPorts["ec2"] & Pick<Ec2Instances, "findTagged" | "byIds" | "tag">;
  /** Replacements of interrupted spot instances launch instant EC2 Fleets. */
  ec2Fleets: EndPorts["ec2Fleets"] & Pick<Ec2Fleets, "launch">;
  catalog: Pick<Ec2Catalog, "instanceTypes">;
  capacityMemory: CapacityMemory;
  /** Failed steps are logged here; the work they were doing stays due for the next tick. */
  log: Pick<Log, "warn">;
}

/** Milliseconds of budget left; at zero or below, no phase starts more work. */
export type TimeLeft = () => number;

/** Requests one sweep step keeps in flight at once (DynamoDB reads and writes, annexes ended). */
export const SWEEP_CONCURRENCY = 16;
