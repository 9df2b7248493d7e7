/** Resource ids in EC2's formats, and the checks EC2 makes on them. */

import { randomBytes, randomUUID } from "node:crypto";
import { malformedId } from "../protocol/errors.ts";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** A new id like `i-0123456789abcdef0` (17 hex digits after the prefix). */
export const newId = (prefix: string): string => `${prefix}-${hex(9).slice(0, 17)}`;

/** A new id whose suffix is a UUID, as spot fleet and EC2 Fleet requests use. */
export const newUuidId = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** A spot instance request id: `sir-` and eight lower-case letters or digits. */
export const newSpotRequestId = (): string =>
  `sir-${randomBytes(8)
    .toString("base64")
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase()
    .padEnd(8, "0")
    .slice(0, 8)}`;

/** Whether `id` has the shape `<prefix>-` plus 8 or 17 hex digits. */
export const isWellFormed = (id: string, prefix: string): boolean =>
  new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);

/** Throws `<code>` (e.g. `InvalidInstanceID.Malformed`) unless `id` is well formed. */
export function checkId(id: string, prefix: string, code: string): void {
  if (!isWellFormed(id, prefix)) throw malformedId(code, id, prefix);
}
