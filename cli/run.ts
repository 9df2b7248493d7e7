/** `annex` from argv to exit code: parse, validate, pick the endpoint, run one command. */
import { type Invocation, parseArgs } from "./args.ts";
import { checkSetup } from "./commands/check-setup.ts";
import type { CommandContext } from "./commands/context.ts";
import { create } from "./commands/create.ts";
import { extend } from "./commands/extend.ts";
import { history } from "./commands/history.ts";
import { off } from "./commands/off.ts";
import { setup } from "./commands/setup.ts";
import { status } from "./commands/status.ts";
import { configPaths, loadConfig, resolveEndpoint } from "./config.ts";
import { ApiRefusedError, describeError, EXIT, UsageError } from "./errors.ts";
import { issuesInFlags } from "./flag-issues.ts";
import { helpText, SHORT_USAGE } from "./help.ts";
import { ApiClient, type ApiClientOptions } from "./http.ts";
import type { Io } from "./io.ts";
import { createSigner, credentialSource } from "./sigv4.ts";
import { type Plan, planFor } from "./validate.ts";

/** Everything `run` needs from the outside world. */
export interface RunDeps {
  io: Io;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** The OS user, sent as the owner to a loopback API. */
  username: string;
  /** Reads a text file; throws (with `code`) when it cannot. */
  readText(path: string): string;
  findCollector(): string | undefined;
  now(): number;
  newToken(): string;
  saveSecret(fileName: string, text: string): string;
  /** Test hooks: retry counts and delays. */
  client?: Partial<Pick<ApiClientOptions, "retries" | "baseDelayMs" | "sleep" | "timeoutMs">>;
  dotIntervalMs?: number;
}

/** Runs one `annex` invocation and returns its exit code; never throws, never prints a stack. */
export async function run(argv: readonly string[], deps: RunDeps): Promise<number> {
  try {
    const invocation = parseArgs(argv);
    if (invocation.command === "help") {
      if (!invocation.helpAsked) {
        deps.io.err(`annex: ${SHORT_USAGE}\n`);
        return EXIT.usage;
      }
      deps.io.out(`${helpText(invocation.helpFor)}\n`);
      return EXIT.ok;
    }
    const command = invocation.command;
    const { config } = loadConfig(configPaths(deps.env, deps.home), (path) => {
      try {
        return deps.readText(path);
      } catch {
        return undefined;
      }
    });
    const plan = planFor(
      { ...invocation, command },
      {
        readText: deps.readText,
        defaults: config,
        username: deps.username,
        findCollector: deps.findCollector,
        newToken: deps.newToken,
      },
    );
    const options = { ...invocation.options, ...setupKeyFiles(invocation) };
    const endpoint = resolveEndpoint(options, deps.env, config);
    const signer =
      endpoint.region === undefined
        ? undefined
        : createSigner(endpoint.region, credentialSource(options, deps.readText));
    const api = new ApiClient({
      baseUrl: endpoint.url,
      signer,
      owner: signer ? undefined : deps.username,
      ...deps.client,
    });
    const ctx = {
      api,
      io: deps.io,
      now: deps.now,
      json: options.json,
      saveSecret: deps.saveSecret,
      dotIntervalMs: deps.dotIntervalMs,
    };
    await dispatch(plan, ctx).catch((error: unknown) => {
      throw inFlags(error, invocation.given);
    });
    return EXIT.ok;
  } catch (error) {
    const { exitCode, message } = describeError(error);
    if (message) deps.io.err(`annex: ${message}\n`);
    return exitCode;
  }
}

/** A refusal that names invalid fields, said with the flags that were typed. */
function inFlags(error: unknown, given: ReadonlySet<string>): unknown {
  if (!(error instanceof ApiRefusedError) || error.issues.length === 0) return error;
  const message = issuesInFlags(error.issues, given);
  return new ApiRefusedError(error.status, error.code, message, error.issues);
}

/** condor_annex's `-setup ACCESS_KEY_FILE SECRET_KEY_FILE`. */
function setupKeyFiles(invocation: Invocation): { accessKeyFile?: string; secretKeyFile?: string } {
  if (invocation.command !== "setup" || invocation.positionals.length === 0) return {};
  const [accessKeyFile, secretKeyFile] = invocation.positionals;
  if (secretKeyFile === undefined) {
    throw new UsageError(
      "setup takes both key files (ACCESS_KEY_FILE SECRET_KEY_FILE) or neither.",
    );
  }
  if (invocation.options.accessKeyFile || invocation.options.secretKeyFile) {
    throw new UsageError("key files given twice (positional and -aws-*-key-file).");
  }
  return { accessKeyFile, secretKeyFile };
}

function dispatch(plan: Plan, ctx: CommandContext): Promise<void> {
  switch (plan.command) {
    case "setup":
      return setup(plan.body, ctx);
    case "check-setup":
      return checkSetup(ctx);
    case "create":
      return create(plan, ctx);
    case "status":
      return status(plan, ctx);
    case "extend":
      return extend(plan, ctx);
    case "off":
      return off(plan, ctx);
    case "history":
      return history(plan, ctx);
  }
}
