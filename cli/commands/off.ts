/** `annex off NAME` (condor_off -annex NAME): terminate the annex's instances now. */
import { offAnswer } from "../api.ts";
import { plural } from "../format.ts";
import type { Plan } from "../validate.ts";
import { annexPath, type CommandContext, printJson, printLines } from "./context.ts";

/** Turns the annex off; idempotent, like the API. */
export async function off(
  plan: Extract<Plan, { command: "off" }>,
  ctx: CommandContext,
): Promise<void> {
  const answer = await ctx.api.call("DELETE", annexPath(plan.name), offAnswer);
  if (ctx.json) {
    printJson(ctx, answer);
    return;
  }
  printLines(ctx, [offLine(answer.annex, answer.terminatedInstanceIds.length)]);
}

/**
 * The confirmation line for an answer of DELETE /annexes/{name}. `terminating` is what EC2 was
 * asked to terminate: every instance tagged with the annex, whether it bootstrapped or not.
 */
export function offLine(
  annex: { name: string; state: string; endReason?: string | null },
  terminating: number,
): string {
  if (terminating > 0) {
    return `Annex ${annex.name} is shutting down: terminating ${plural(terminating, "instance")}.`;
  }
  if (annex.state === "ended" && annex.endReason && annex.endReason !== "off") {
    return `Annex ${annex.name} had already ended (${annex.endReason}).`;
  }
  return `Annex ${annex.name} is off; no instances are left.`;
}
