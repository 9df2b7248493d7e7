/**
 * `npm run bench [-- NAME…]`: runs the benchmarks in this folder against an in-memory local stack
 * and prints their tables. With no names it runs them all. Each bench exports `run(): Promise<void>`.
 */

import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
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
for (const name of wanted.length > 0 ? wanted : available) {
  process.stdout.write(`\n== bench ${name} ==\n`);
  const bench = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as {
    run(): Promise<void>;
  };
  await bench.run();
}
process.exit(0);
