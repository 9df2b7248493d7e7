/** `annex status [NAME]` / `-status [-annex-name X] [-classad]`: the table, ClassAds, or JSON. */
import { type Annex, annexListAnswer, oneAnnexAnswer } from "../api.ts";
import { formatClassAds, formatStatus } from "../format.ts";
import type { Plan } from "../validate.ts";
import { annexPath, type CommandContext, printJson, printLines } from "./context.ts";

/** Shows one annex, or all of the caller's. */
export async function status(
  plan: Extract<Plan, { command: "status" }>,
  ctx: CommandContext,
): Promise<void> {
  if (plan.name === undefined) {
    const answer = await ctx.api.call("GET", "/annexes", annexListAnswer);
    return show(plan, ctx, answer, answer.annexes);
  }
  const answer = await ctx.api.call("GET", annexPath(plan.name), oneAnnexAnswer);
  return show(plan, ctx, answer, [answer.annex]);
}

function show(
  plan: Extract<Plan, { command: "status" }>,
  ctx: CommandContext,
  answer: unknown,
  annexes: Annex[],
): void {
  if (ctx.json) {
    printJson(ctx, answer);
    return;
  }
  printLines(ctx, plan.classad ? formatClassAds(annexes) : formatStatus(annexes, ctx.now()));
}
