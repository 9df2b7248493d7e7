/** `annex extend NAME -duration H` / `-annex-name X -duration H`: reset the lease to now + H. */
import { formatUsd } from "../../shared/domain/estimate.ts";
import { type Annex, oneAnnexAnswer } from "../api.ts";
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
  const lines = [`Lease updated. Annex ${annex.name} will now end at ${when}${inSpan}.`];
  const budgetLine = budgetEndsFirst(annex, ctx.now());
  if (budgetLine) lines.push(budgetLine);
  printLines(ctx, lines);
}

/** Says so when the budget runs out before the new lease: a reset never carries an annex past it. */
function budgetEndsFirst(annex: Annex, now: number): string | undefined {
  const endsAt = annex.endsAt ? Date.parse(annex.endsAt) : Number.NaN;
  const lease = annex.leaseExpiresAt ? Date.parse(annex.leaseExpiresAt) : Number.NaN;
  if (!(endsAt < lease) || annex.endsAt == null) return undefined;
  return `Its budget of ${formatUsd(annex.budgetUsd ?? 0)} runs out first, at ${formatTime(annex.endsAt)} (in ${formatSpan((endsAt - now) / 1000)}) at the current burn; it ends then.`;
}
