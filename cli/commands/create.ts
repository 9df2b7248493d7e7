/**
 * `annex create` / `annex -count N -annex-name X …`: a dry run (the service validates the request
 * and estimates what it can cost, writing nothing), the question condor_annex asked with that
 * estimate in it, then POST /annexes.
 */
import { formatUsd } from "../../shared/domain/estimate.ts";
import { type Annex, type DryRunAnswer, dryRunAnswer, oneAnnexAnswer } from "../api.ts";
import { formatHours } from "../checks.ts";
import { NotDoneError } from "../errors.ts";
import { fleetCapacityLines, fleetSummary } from "../fleet-options.ts";
import { plural } from "../format.ts";
import { withDots } from "../io.ts";
import type { CreateBody, Plan } from "../validate.ts";
import { type CommandContext, printJson, printLines } from "./context.ts";

type CreatePlan = Extract<Plan, { command: "create" }>;

/** What the annex can cost, for the summary line: `at most $0.80`, or why it is not known. */
export function costClause(dryRun: Pick<DryRunAnswer, "estimate" | "request"> | undefined): string {
  if (dryRun === undefined) return "";
  const { maxUsd, unknownTypes } = dryRun.estimate;
  const budget = dryRun.request.budgetUsd ?? undefined;
  if (maxUsd == null) return ` (cost unknown: no price for ${(unknownTypes ?? []).join(", ")})`;
  if (budget !== undefined && budget < maxUsd) return ` (at most ${formatUsd(budget)}, its budget)`;
  return ` (at most ${formatUsd(maxUsd, true)})`;
}

/**
 * condor_annex's request summary with the estimate: `Will request 10 m5.large on-demand instances
 * for 0.83 hours (at most $0.80).  Each instance will terminate after being idle for 0.25 hours.`
 */
export function requestSummary(
  body: CreateBody,
  dryRun?: Pick<DryRunAnswer, "estimate" | "request">,
): string {
  const lease = `for ${formatHours(body.durationHours)} hours${costClause(dryRun)}.  Each instance will terminate after being idle for ${formatHours(body.idleHours)} hours.`;
  if (body.kind === "fleet") return fleetSummary(body, lease).join("\n");
  if (body.kind === "spot-fleet") {
    const slots = body.slots ?? 0;
    return `Will request ${slots} spot slot${slots === 1 ? "" : "s"} ${lease}`;
  }
  const count = body.count ?? 0;
  const type = body.instanceType ?? dryRun?.request.instanceType ?? "default-type";
  return `Will request ${count} ${type} on-demand instance${count === 1 ? "" : "s"} ${lease}`;
}

/** What condor_annex printed after a "no": how to change what was not given explicitly. */
export function declineHints(plan: CreatePlan): string[] {
  const hints = ["Not starting an annex; user did not confirm.", ""];
  if (plan.body.kind === "on-demand" && !plan.specified.instanceType) {
    hints.push("To change the instance type, use the -aws-on-demand-instance-type flag.");
  }
  if (!plan.specified.duration) {
    hints.push("To change the lease duration, use the -duration flag.");
  }
  if (!plan.specified.idle) {
    hints.push(
      "To change how long an idle instance will wait before terminating itself, use the -idle flag.",
    );
  }
  return hints;
}

/** What the prompt asks for: "yes" (any case, blanks around it ignored). "y" is not yes. */
export function saidYes(answer: string | undefined): boolean {
  return /^\s*yes\s*$/i.test(answer ?? "");
}

/** The service's reading of the request (the pool's instance type applied) and its estimate. */
function dryRunOf(plan: CreatePlan, ctx: CommandContext): Promise<DryRunAnswer> {
  return ctx.api.call("POST", "/annexes", dryRunAnswer, { ...plan.body, dryRun: true });
}

async function confirm(plan: CreatePlan, ctx: CommandContext): Promise<boolean> {
  const write = ctx.json ? ctx.io.err : ctx.io.out;
  write(`${requestSummary(plan.body, await dryRunOf(plan, ctx))}\n`);
  if (plan.yes) return true;
  write("Is that OK?  (Type 'yes' or 'no'): ");
  const answer = await ctx.io.readLine();
  if (!ctx.io.interactive) write(`${answer ?? ""}\n`);
  return saidYes(answer);
}

/** Asks, then creates the annex with one fresh client token (reused by the client's retries). */
export async function create(plan: CreatePlan, ctx: CommandContext): Promise<void> {
  if (!(await confirm(plan, ctx))) {
    printLines(ctx, declineHints(plan));
    throw new NotDoneError("");
  }
  const send = ctx.api.call("POST", "/annexes", oneAnnexAnswer, plan.body);
  if (ctx.json) {
    const answer = await send;
    printJson(ctx, answer);
    failIfEnded(answer.annex);
    return;
  }
  ctx.io.out("Starting annex...");
  let annex: Annex;
  try {
    annex = (await withDots(ctx.io, send, ctx.dotIntervalMs)).annex;
  } finally {
    ctx.io.out("\n");
  }
  failIfEnded(annex);
  const lines = [
    "Annex started. It will take about six minutes for the new machines to join the pool.",
  ];
  const partial = partialCapacityLine(annex, plan.body);
  if (partial) lines.push(partial);
  lines.push(...fleetCapacityLines(annex));
  printLines(ctx, lines);
}

function failIfEnded(annex: Annex): void {
  if (annex.state === "ended") {
    const why = annex.failureReason ?? annex.endReason ?? "no reason given";
    throw new NotDoneError(`annex ${annex.name} could not be started: ${why}.`);
  }
}

/** Says so when EC2 gave an on-demand annex fewer instances than asked. */
export function partialCapacityLine(annex: Annex, body: CreateBody): string | undefined {
  if (body.kind !== "on-demand" || body.count === undefined) return undefined;
  const got = (annex.instances ?? []).length;
  const launched = annex.state === "provisioning" || annex.state === "running";
  if (!launched || got === 0 || got >= body.count) return undefined;
  return `Only ${got} of ${plural(body.count, "requested instance")} could be started (not enough EC2 capacity); the annex will run with ${got}.`;
}
