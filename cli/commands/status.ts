/** `annex status [NAME]` / `-status [-annex-name X] [-classad]`: the table, ClassAds, or JSON. */
import { type Annex, annexListAnswer, oneAnnexAnswer } from "../api.ts";
import { formatClassAds, formatStatus } from "../format.ts";
import type { Plan } from "../validate.ts";
import { annexPath, type CommandContext, printJson, printLines } from "./context.ts";

type StatusPlan = Extract<Plan, { command: "status" }>;

/** Shows one annex, or the caller's live ones (every one with --all). */
export async function status(plan: StatusPlan, ctx: CommandContext): Promise<void> {
  if (plan.name === undefined) {
    const answer = await ctx.api.call("GET", "/annexes", annexListAnswer);
    const shown = plan.all ? answer.annexes : answer.annexes.filter((a) => a.state !== "ended");
    if (ctx.json) return printJson(ctx, { ...answer, annexes: shown });
    return show(plan, ctx, shown, answer.annexes.length - shown.length);
  }
  const answer = await ctx.api.call("GET", annexPath(plan.name), oneAnnexAnswer);
  if (ctx.json) return printJson(ctx, answer);
  return show(plan, ctx, [answer.annex], 0);
}

function show(plan: StatusPlan, ctx: CommandContext, annexes: Annex[], hiddenEnded: number): void {
  printLines(
    ctx,
    plan.classad ? formatClassAds(annexes) : formatStatus(annexes, ctx.now(), hiddenEnded),
  );
}
