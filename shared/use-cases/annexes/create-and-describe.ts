/**
 * What POST /annexes answers: the annex as status shows it, or the launch failure that ended it;
 * for a dry run, the estimate of the request (validated exactly as a create, writing nothing).
 */

import type { Estimate } from "../../domain/estimate.ts";
import { launchFailure } from "../../domain/launch-errors.ts";
import { type AnnexView, presentAnnex } from "../../domain/tags.ts";
import { currentInstances } from "./annex-status.ts";
import { type CreatePorts, createPrepared } from "./create-annex.ts";
import { prepareCreate } from "./prepare-create.ts";

/** A dry run's answer: what would be requested and what it can cost. */
export interface DryRunView {
  dryRun: true;
  estimate: Estimate;
  request: {
    name: string;
    kind: string;
    /** What was asked: instances (on-demand, or a fleet in instances), spot slots, or cores. */
    count?: number;
    slots?: number;
    cores?: number;
    instanceType: string;
    durationHours: number;
    idleHours: number;
    budgetUsd?: number;
  };
}

/**
 * Creates (or, for a replayed client token, returns) the caller's annex with its instances. An
 * annex that ended `failed` is thrown as its launch error (503 no capacity, 422 refused), with
 * the annex in the answer beside it. A dry run answers the estimate and changes nothing.
 */
export async function createAndDescribe(
  ports: CreatePorts,
  owner: string,
  body: unknown,
  now: number,
): Promise<{ annex: AnnexView; created: boolean } | DryRunView> {
  const prepared = await prepareCreate(ports, body, now);
  const { request, shape, estimate } = prepared;
  if (request.dryRun) {
    return {
      dryRun: true,
      estimate,
      request: {
        name: request.name,
        kind: request.kind,
        ...(request.kind === "spot-fleet" ? { slots: request.slots } : {}),
        ...(request.kind !== "spot-fleet" && request.count !== undefined
          ? { count: request.count }
          : {}),
        ...(request.kind === "fleet" && request.cores !== undefined
          ? { cores: request.cores }
          : {}),
        instanceType: shape.instanceType,
        durationHours: request.durationHours,
        idleHours: request.idleHours,
        ...(request.budgetUsd === undefined ? {} : { budgetUsd: request.budgetUsd }),
      },
    };
  }
  const { annex, created } = await createPrepared(ports, owner, prepared, now);
  const view = presentAnnex(annex, await currentInstances(ports, annex), undefined, now);
  if (annex.endReason === "failed") throw launchFailure(annex, { annex: view });
  return { annex: view, created };
}
