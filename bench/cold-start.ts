/**
 * Cold start: for every function in serverless.yml, the size of its bundle (built with the same
 * esbuild settings `npm run package` uses) and the time a fresh Node.js process takes to import it
 * — the module-init part of a Lambda cold start (client construction, config reads), median of 5.
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { readServiceDefinition } from "../local/runner/service-definition.ts";
import { printTable } from "./_table.ts";

const RUNS = 5;
const ENV = {
  ANNEX_TABLE: "bench",
  ANNEX_BUCKET: "bench",
  ANNEX_STAGE: "bench",
  ANNEX_INSTANCE_PROFILE: "bench",
  ANNEX_INSTANCE_ROLE_ARN: "arn:aws:iam::000000000000:role/bench",
  ANNEX_FUNCTION_PREFIX: "bench-",
  ANNEX_FUNCTIONS: "health",
  ANNEX_ADMINS: "",
  ANNEX_ACCOUNT_ID: "000000000000",
  ANNEX_API_URL: "https://example.invalid",
  ANNEX_SERVER_ID: "example.invalid",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

export async function run(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), "annex-cold-"));
  const rows: string[][] = [];
  try {
    for (const fn of readServiceDefinition().functions) {
      const file = join(out, `${fn.name}.mjs`);
      await build({
        entryPoints: [resolve(`${fn.module}.ts`)],
        outfile: file,
        bundle: true,
        minify: true,
        platform: "node",
        target: "node20",
        format: "esm",
        banner: {
          js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
        logLevel: "silent",
      });
      const bytes = statSync(file).size;
      const gzipped = gzipSync(readFileSync(file)).length;
      const samples = Array.from({ length: RUNS }, () => importTime(file)).sort((a, b) => a - b);
      rows.push([
        fn.name,
        (bytes / 1024).toFixed(0),
        (gzipped / 1024).toFixed(0),
        (samples[Math.floor(RUNS / 2)] ?? 0).toFixed(1),
      ]);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const header = ["function", "bundle KiB", "gzip KiB", "init ms (median)"];
  printTable(header, rows);
}

function importTime(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, ...ENV },
  });
  return Number(output.toString());
}
