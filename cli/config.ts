/**
 * Where the CLI talks and how: the API URL (`--url`, `ANNEX_URL`, config file, local default),
 * whether to sign (everything but plain `http:` to a loopback host) and in which region.
 */
import { join } from "node:path";
import { z } from "zod";
import { UsageError } from "./errors.ts";

/** `npm start`'s API. */
export const DEFAULT_URL = "http://127.0.0.1:3000";

const fileConfigSchema = z.object({
  url: z.string().optional(),
  region: z.string().optional(),
  collectorHost: z.string().optional(),
  allowCidr: z.string().optional(),
  instanceType: z.string().optional(),
});
export type FileConfig = z.infer<typeof fileConfigSchema>;

type Env = Readonly<Record<string, string | undefined>>;

/** Candidate config files, first found wins: XDG, then ~/.annex. */
export function configPaths(env: Env, home: string): string[] {
  const xdg = env.XDG_CONFIG_HOME || join(home, ".config");
  return [join(xdg, "annex", "config.json"), join(home, ".annex", "config.json")];
}

/** Reads the first config file that exists; a broken one is a UsageError, not a silent default. */
export function loadConfig(
  paths: readonly string[],
  readText: (path: string) => string | undefined,
): { config: FileConfig; path?: string } {
  for (const path of paths) {
    const text = readText(path);
    if (text === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UsageError(`the config file ${path} is not valid JSON.`);
    }
    const parsed = fileConfigSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join(".") || "(top level)";
      throw new UsageError(`the config file ${path} is invalid at ${where}: ${issue?.message}.`);
    }
    return { config: parsed.data, path };
  }
  return { config: {} };
}

/** The API endpoint and whether requests to it are signed. */
export interface Endpoint {
  url: URL;
  /** Signing region; set exactly when requests are SigV4-signed. */
  region?: string;
}

/** Resolves the endpoint: flag, then ANNEX_URL, then the config file, then the local stack. */
export function resolveEndpoint(
  flags: { url?: string; region?: string },
  env: Env,
  config: FileConfig,
): Endpoint {
  const raw = flags.url ?? (env.ANNEX_URL || undefined) ?? config.url ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`'${raw}' is not a URL (like ${DEFAULT_URL}).`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`'${raw}' is not an http(s) URL.`);
  }
  if (isLocalStack(url)) return { url };
  const region =
    flags.region ??
    config.region ??
    regionFromUrl(url) ??
    (env.AWS_REGION || undefined) ??
    (env.AWS_DEFAULT_REGION || undefined);
  if (region === undefined) {
    throw new UsageError(
      `cannot tell the AWS region of ${url.host}: give -aws-region or set "region" in the config file.`,
    );
  }
  return { url, region };
}

/** Plain `http:` to a loopback host is the local stack, the one API that is not signed. */
export function isLocalStack(url: URL): boolean {
  return url.protocol === "http:" && isLoopback(url);
}

/** True for localhost and loopback addresses. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === "::1" ||
    host === "0:0:0:0:0:0:0:1"
  );
}

/** The region in an API Gateway or Lambda URL host (`x.execute-api.eu-west-1.amazonaws.com`). */
export function regionFromUrl(url: URL): string | undefined {
  const match =
    /\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname) ??
    /\.lambda-url\.([a-z]{2}(?:-[a-z]+)+-\d)\.on\.aws$/.exec(url.hostname);
  return match?.[1];
}
