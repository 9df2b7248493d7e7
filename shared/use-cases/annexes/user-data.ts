/** The user data an annex's instances launch with: our bootstrap script, plus the user's own. */

import { InvalidUserDataError, renderUserData } from "../../../instance/user-data.ts";
import { ValidationError } from "../../domain/errors.ts";

/** Renders it; user data that cannot be combined with ours is the request's fault (422 on `userData`). */
export function instanceUserData(
  apiUrl: string,
  userSupplied: string | undefined,
  bootGraceSeconds: number,
): string {
  try {
    return renderUserData({ apiUrl, bootGraceSeconds, userData: userSupplied });
  } catch (error) {
    if (!(error instanceof InvalidUserDataError)) throw error;
    throw new ValidationError([{ path: "userData", message: error.message }], { cause: error });
  }
}
