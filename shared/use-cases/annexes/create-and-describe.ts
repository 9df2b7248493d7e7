/** What POST /annexes answers: the annex as status shows it, or the launch failure that ended it. */

import { launchFailure } from "../../domain/launch-errors.ts";
import { type AnnexView, presentAnnex } from "../../domain/tags.ts";
import { currentInstances } from "./annex-status.ts";
import { createAnnex } from "./create-annex.ts";
import type { AnnexPorts } from "./ports.ts";

/**
 * Creates (or, for a replayed client token, returns) the caller's annex with its instances. An
 * annex that ended `failed` is thrown as its launch error (503 no capacity, 422 refused), with
 * the annex in the answer beside it.
 */
export async function createAndDescribe(
  ports: AnnexPorts,
  owner: string,
  body: unknown,
  now: number,
): Promise<{ annex: AnnexView; created: boolean }> {
  const { annex, created } = await createAnnex(ports, owner, body, now);
  const view = presentAnnex(annex, await currentInstances(ports, annex), undefined, now);
  if (annex.endReason === "failed") throw launchFailure(annex, { annex: view });
  return { annex: view, created };
}
