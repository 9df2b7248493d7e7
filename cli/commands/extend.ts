/** `annex extend NAME -duration H` / `-annex-name X -duration H`: reset the lease to now + H. */
import { oneAnnexAnswer } from "../api.ts";
import { formatSpan, formatTime, leaseSecondsLeft } from "../format.ts";
import type { Plan } from "../validate.ts";
import { annexPath, type CommandContext, printJson, printLines } from "./context.ts";

/** Resets the lease and prints the new expiry. */
export async function extend(
  plan: Extract<Plan, { command: "extend" }>,
  ctx: CommandContext,
): Promise<void> {
  const answer = await ctx.api.call("PATCH", annexPath(plan.name), oneAnnexAnswer, {
    durationHours: plan.durationHours,
  });
  if (ctx.json) {
    printJson(ctx, answer);
    return;
  }
  const { annex } = answer;
  const left = leaseSecondsLeft(annex, ctx.now());
  const when = annex.leaseExpiresAt ? formatTime(annex.leaseExpiresAt) : "an unknown time";
  const inSpan = left === undefined ? "" : ` (in ${formatSpan(left)})`;
  printLines(ctx, [`Lease updated. Annex ${annex.name} will now end at ${when}${inSpan}.`]);
}
