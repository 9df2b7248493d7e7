/** `annex history NAME`: the annex's audit trail. */
import { oneAnnexAnswer } from "../api.ts";
import { formatHistory } from "../format.ts";
import type { Plan } from "../validate.ts";
import { annexPath, type CommandContext, printJson, printLines } from "./context.ts";

/** Prints what happened to an annex, oldest first. */
export async function history(
  plan: Extract<Plan, { command: "history" }>,
  ctx: CommandContext,
): Promise<void> {
  const answer = await ctx.api.call("GET", annexPath(plan.name), oneAnnexAnswer);
  if (ctx.json) {
    printJson(ctx, answer);
    return;
  }
  const { annex } = answer;
  printLines(ctx, [`Annex ${annex.name} (${annex.id}), ${annex.state}:`, ...formatHistory(annex)]);
}
