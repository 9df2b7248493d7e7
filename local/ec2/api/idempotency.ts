/** ClientToken idempotency: same token and same parameters → same result; other parameters → mismatch. */

import { createHash } from "node:crypto";
import type { Ec2Context } from "../core/context.ts";
import type { ClientTokenRecord } from "../core/state.ts";
import { Ec2Error, invalidValue } from "../protocol/errors.ts";

/** A digest of a request without its ClientToken and DryRun members. */
export function fingerprint(input: object): string {
  const { ClientToken: _token, DryRun: _dryRun, ...rest } = input as Record<string, unknown>;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex");
}

/** Throws unless a client token is at most 64 ASCII characters, as EC2 requires. */
export function checkToken(token: string | undefined): void {
  if (token !== undefined && (token.length > 64 || !/^[\x20-\x7e]*$/.test(token)))
    throw invalidValue("clientToken", token, "It must be at most 64 ASCII characters.");
}

/** The mismatch error EC2 answers when a token is reused with other parameters. */
export const idempotentMismatch = () =>
  new Ec2Error(
    "IdempotentParameterMismatch",
    "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
  );

/** The earlier result for a replayed token, or undefined for a new token. */
export function replayOrCheck(
  ctx: Ec2Context,
  action: string,
  token: string | undefined,
  print: string,
): ClientTokenRecord | undefined {
  checkToken(token);
  if (token === undefined) return undefined;
  const earlier = ctx.state.clientTokens[`${action}:${token}`];
  if (earlier && earlier.fingerprint !== print) throw idempotentMismatch();
  return earlier;
}
