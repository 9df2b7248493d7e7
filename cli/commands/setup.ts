/** `annex setup` / `annex -setup`: POST /setup, one line per component, condor_annex style. */
import { type SetupAnswer, setupAnswer } from "../api.ts";
import { ApiRefusedError, NotDoneError } from "../errors.ts";
import { withDots } from "../io.ts";
import type { SetupBody } from "../setup-request.ts";
import { type CommandContext, printJson, printLines } from "./context.ts";

const SETUP_TIMEOUT_MS = 5 * 60_000;

/** API Gateway's own 403 (no body of ours): the caller's IAM identity may not call POST /setup. */
const NOT_AN_ADMIN =
  "only the stage's administrators may run setup: IAM refused POST /setup for your credentials (an administrator holds the stack's AdminPolicy; see README, Deploying)";

/** POST /setup; a refusal by IAM itself is said in the CLI's words. */
async function postSetup(body: SetupBody, ctx: CommandContext): Promise<SetupAnswer> {
  try {
    return await ctx.api.call("POST", "/setup", setupAnswer, body, SETUP_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof ApiRefusedError && error.status === 403 && error.code === "HTTP403")
      throw new ApiRefusedError(403, "Forbidden", NOT_AN_ADMIN);
    throw error;
  }
}

/** Runs setup, with a dot a second while the service works. */
export async function setup(body: SetupBody, ctx: CommandContext): Promise<void> {
  if (ctx.json) {
    const answer = await postSetup(body, ctx);
    printJson(ctx, answer);
    if (!answer.ok) throw new NotDoneError("");
    return;
  }
  ctx.io.out(`Setting up cloud-annex at ${ctx.api.url} (this takes less than a minute)...`);
  let answer: SetupAnswer;
  try {
    answer = await withDots(ctx.io, postSetup(body, ctx), ctx.dotIntervalMs);
  } catch (error) {
    ctx.io.out(" failed.\n");
    throw error;
  }
  ctx.io.out(" complete.\n");
  printLines(ctx, answer.components.map(componentLine));
  keepPrivateKeys(answer, ctx);
  const failed = answer.components.find((c) => c.status === "failed");
  if (answer.ok && !failed) {
    printLines(ctx, ["Setup successful."]);
    return;
  }
  const reason = failed ? `${failed.label ?? failed.name}: ${failureText(failed)}` : "see above";
  throw new NotDoneError(`setup failed (${reason}).`);
}

type Component = SetupAnswer["components"][number];

function failureText(c: Component): string {
  return c.action ?? c.message ?? c.hint ?? "no reason given";
}

function took(seconds: number | null | undefined): string {
  if (seconds == null || seconds < 1) return "";
  const s = Math.round(seconds);
  return ` (took ${s} second${s === 1 ? "" : "s"})`;
}

function detail(action: string | null | undefined, lead: string): string {
  return action ? `${lead}${action.replace(/\.$/, "")}.` : ".";
}

/** `Creating security group (took 4 seconds)... complete: created sg-… in vpc-….` and siblings. */
export function componentLine(c: Component): string {
  const label = c.label ?? c.name;
  switch (c.status) {
    case "created":
      return `Creating ${label}${took(c.seconds)}... complete${detail(c.action, ": ")}`;
    case "updated":
      return `Updating ${label}${took(c.seconds)}... complete${detail(c.action, ": ")}`;
    case "unchanged":
      return `Checking for ${label}... OK${detail(c.action, ": ")}`;
    case "failed":
      return `Setting up ${label}... FAILED: ${failureText(c)}`;
    default:
      return `${label}: ${c.status}${detail(c.action, ": ")}`;
  }
}

/** Saves a private key that setup returned once; prints where (or the key itself, as a last resort). */
function keepPrivateKeys(answer: SetupAnswer, ctx: CommandContext): void {
  for (const c of answer.components) {
    const key = c.privateKey;
    if (typeof key !== "string" || key === "") continue;
    const name = /key pair (\S+?);?(\s|$)/.exec(c.action ?? "")?.[1] ?? "annex-key-pair";
    try {
      const path = ctx.saveSecret(`${name}.pem`, key);
      printLines(ctx, [
        `Saved the private key of key pair ${name} to ${path} (it is not kept anywhere else).`,
      ]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.io.err(
        `annex: could not save the private key of ${name} (${reason}); here it is, keep it:\n`,
      );
      ctx.io.out(`${key.trimEnd()}\n`);
    }
  }
}
