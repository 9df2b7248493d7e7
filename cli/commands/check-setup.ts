/** `annex check-setup` / `-check-setup`: GET /setup, "Checking for … OK." per component. */
import { checkSetupAnswer } from "../api.ts";
import { NotDoneError } from "../errors.ts";
import { mentionsAsFlags } from "../flag-issues.ts";
import { plural } from "../format.ts";
import { type CommandContext, printJson, printLines } from "./context.ts";

/** Prints each component's state; fails (exit 1) when any is missing. */
export async function checkSetup(ctx: CommandContext): Promise<void> {
  const answer = await ctx.api.call("GET", "/setup", checkSetupAnswer);
  if (ctx.json) {
    printJson(ctx, answer);
    if (!answer.ok) throw new NotDoneError("");
    return;
  }
  const lines = answer.components.map((c) => {
    const label = c.label ?? c.name;
    if (c.status === "ok") return `Checking for ${label}... OK.`;
    const hint = c.hint ? `: ${mentionsAsFlags(c.hint)}` : ".";
    return `Checking for ${label}... ${c.status.toUpperCase()}${hint}`;
  });
  const missing = answer.components.filter((c) => c.status !== "ok").length;
  if (answer.ok && missing === 0) {
    printLines(ctx, [...lines, "Your setup looks OK."]);
    return;
  }
  const what = missing > 0 ? `${plural(missing, "component")} missing` : "the service says no";
  printLines(ctx, [...lines, `Your setup is incomplete (${what}); run 'annex setup'.`]);
  throw new NotDoneError("");
}
