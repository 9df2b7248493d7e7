/**
 * The README's Quick start, read the way a new user reads it: its `sh` blocks, line by line, and
 * its table of what `npm start` prints.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The commands of each ```sh block of the Quick start section, in order (no blanks, no comments). */
export function quickStartBlocks(repository: string): string[][] {
  return [...quickStart(repository).matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((block) =>
    (block[1] ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
}

/** The services the Quick start's table says the local AWS serves: `| local AWS (a, b, …) |`. */
export function quickStartLocalAwsServices(repository: string): string[] {
  const listed = /^\| local AWS \(([^)]*)\) +\|/m.exec(quickStart(repository))?.[1];
  if (listed === undefined) throw new Error("the Quick start's table has no 'local AWS (…)' row");
  return listed.split(", ");
}

function quickStart(repository: string): string {
  const readme = readFileSync(join(repository, "README.md"), "utf8");
  const section = /^## Quick start\n([\s\S]*?)^#{2,} /m.exec(readme)?.[1];
  if (section === undefined) throw new Error("README.md has no '## Quick start' section");
  return section;
}
