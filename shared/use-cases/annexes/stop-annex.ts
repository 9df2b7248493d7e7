/** Off (DELETE /annexes/{name}): terminate the annex's instances and end it; idempotent and audited. */

import type { Annex } from "../../domain/annex.ts";
import { findOwnAnnex } from "./annex-status.ts";
import { endAnnex } from "./end-annex.ts";
import type { AnnexPorts, EndPorts } from "./ports.ts";

/**
 * Ends the caller's annex `name` (reason `off`); an annex that already ended is returned as it
 * is. `terminated` lists the instances this call asked EC2 to terminate: every live one tagged
 * with the annex id, bootstrapped or not (a spot fleet's too).
 */
export async function stopAnnex(
  ports: EndPorts & Pick<AnnexPorts, "annexes" | "log">,
  owner: string,
  name: string,
  now: number,
): Promise<{ annex: Annex; terminated: string[] }> {
  const annex = await findOwnAnnex(ports, owner, name);
  return endAnnex(ports, annex, "off", now);
}
