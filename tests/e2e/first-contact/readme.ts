/** The README's Quick start, read the way a new user reads it: its `sh` blocks, line by line. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The commands of each ```sh block of the Quick start section, in order (no blanks, no comments). */
export function quickStartBlocks(repository: string): string[][] {
  const readme = readFileSync(join(repository, "README.md"), "utf8");
  const section = /^## Quick start\n([\s\S]*?)^#{2,} /m.exec(readme)?.[1];
  if (section === undefined) throw new Error("README.md has no '## Quick start' section");
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((block) =>
    (block[1] ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
}
