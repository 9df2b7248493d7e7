/**
 * Regenerates `bootstrap-script.ts` from `bootstrap.sh`, so that bundled Lambda code carries
 * the script without reading files at run time: `npx tsx instance/embed-script.ts`.
 * A unit test fails when the two differ.
 */

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The TypeScript module text that embeds the script. */
export function embeddedModule(script: string): string {
  return [
    "/** Generated from bootstrap.sh by embed-script.ts; edit the script, then regenerate. */",
    "export const BOOTSTRAP_SCRIPT =",
    "  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansions",
    `  ${JSON.stringify(script)};`,
    "",
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const script = readFileSync(new URL("./bootstrap.sh", import.meta.url), "utf8");
  const target = fileURLToPath(new URL("./bootstrap-script.ts", import.meta.url));
  writeFileSync(target, embeddedModule(script));
  execFileSync("npx", ["biome", "format", "--write", target], { stdio: "inherit" });
}
