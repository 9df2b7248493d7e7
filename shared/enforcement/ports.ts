/** What the enforcer and the EC2 event handler work through, and the time budget they keep to. */

import type { DueWork } from "../ports/due-work.ts";
import type { Ec2Instances } from "../ports/ec2.ts";
import type { CapacityMemory, Ec2Catalog, Ec2Fleets } from "../ports/ec2-fleets.ts";
import type { Log } from "../ports/log.ts";
import type { AnnexRepository, InstanceRepository } from "../ports/repositories.ts";
import type { EndPorts } from "../use-cases/annexes/ports.ts";
import type { Pause } from "./batching.ts";
import type { SweepReport } from "./report.ts";

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
  /** The deployment's stage: the orphan sweep judges only its instances (domain/tags.ts, stageOf). */
  stage: string;
  /** Failed steps are logged here; the work they were doing stays due for the next tick. */
  log: Pick<Log, "warn">;
}

/** The sweep's ports: the enforcer's, and the queue it hands a large tick's due annexes to. */
export interface SweepPorts extends EnforcePorts {
  dueWork: DueWork;
}

/** Milliseconds of budget left; at zero or below, no phase starts more work. */
export type TimeLeft = () => number;

/** One invocation's work in progress: its time, its budget, its report. */
export interface Tick {
  /** Epoch seconds: what counts as due. */
  now: number;
  timeLeft: TimeLeft;
  /** How a step waits before retrying a throttled call. */
  pause: Pause;
  report: SweepReport;
  /** Annexes this sweep handed to workers: its later phases leave them, and their instances, alone. */
  handedOff: Set<string>;
}

/** Requests one sweep step keeps in flight at once (DynamoDB reads and writes, annexes ended). */
export const SWEEP_CONCURRENCY = 16;
