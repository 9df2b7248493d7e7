/** Off (DELETE /annexes/{name}): terminate the annex's instances and end it; idempotent and audited. */

import type { Annex } from "../../domain/annex.ts";
import { findOwnAnnex } from "./annex-status.ts";
import { endAnnex } from "./end-annex.ts";
import type { AnnexPorts, EndPorts } from "./ports.ts";

/** Ends the caller's annex `name` (reason `off`); an annex that already ended is returned as it is. */
export async function stopAnnex(
  ports: EndPorts & Pick<AnnexPorts, "annexes" | "log">,
  owner: string,
  name: string,
  now: number,
): Promise<Annex> {
  const annex = await findOwnAnnex(ports, owner, name);
  return (await endAnnex(ports, annex, "off", now)).annex;
}
