/** The user data an annex's instances launch with: our bootstrap script, plus the user's own. */

import { InvalidUserDataError, renderUserData } from "../../../instance/user-data.ts";
import { NotConfiguredError, ValidationError } from "../../domain/errors.ts";
import type { AnnexPorts } from "./ports.ts";

/**
 * Renders it; user data that cannot be combined with ours is the request's fault (422 on
 * `userData`); a proof configuration instances could not sign for refuses the create (503).
 */
export function instanceUserData(
  ports: Pick<AnnexPorts, "apiUrl" | "instanceProof">,
  userSupplied: string | undefined,
  bootGraceSeconds: number,
): string {
  const { config, problems } = ports.instanceProof;
  if (config === undefined)
    throw new NotConfiguredError(
      `instances could not prove who they are (${problems.join("; ")}): see annex check-setup`,
    );
  const { stsUrl, stsRegion, serverId } = config;
  try {
    return renderUserData({
      apiUrl: ports.apiUrl,
      stsUrl,
      stsRegion,
      serverId,
      bootGraceSeconds,
      userData: userSupplied,
    });
  } catch (error) {
    if (!(error instanceof InvalidUserDataError)) throw error;
    throw new ValidationError([{ path: "userData", message: error.message }], { cause: error });
  }
}
