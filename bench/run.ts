/**
 * `npm run bench [-- NAME…]`: runs the benchmarks in this folder and prints their tables; with no
 * names it runs them all. Each bench exports `run(): Promise<void>` and runs in a process of its
 * own, since a local stack (like a Lambda container) keeps its clients for the process's life.
 */

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [flag, only] = process.argv.slice(2);

if (flag === "--one" && only !== undefined) {
  const bench = (await import(pathToFileURL(join(here, `${only}.ts`)).href)) as {
    run(): Promise<void>;
  };
  await bench.run();
  process.exit(0);
}

const available = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "run.ts" && !file.startsWith("_"))
  .map((file) => file.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: no bench named ${unknown.join(", ")}; available: ${available.join(", ")}\n`,
  );
  process.exit(2);
}
let failed = false;
for (const name of wanted.length > 0 ? wanted : available) {
  process.stdout.write(`\n== bench ${name} ==\n`);
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--one", name],
    {
      stdio: "inherit",
      env: {
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        POWERTOOLS_LOG_LEVEL: "ERROR",
        ...process.env,
      },
    },
  );
  if (child.status !== 0) {
    process.stderr.write(`bench ${name} failed (exit ${child.status ?? child.signal})\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
