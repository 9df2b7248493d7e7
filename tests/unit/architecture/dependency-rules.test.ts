import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, violations } from "./dependency-rules.ts";

const root = join(import.meta.dirname, "../../..");

function sources(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(root, path)] = readFileSync(path, "utf8");
  }
  return files;
}

describe("the dependency rule", () => {
  it("holds for every file of shared/ and functions/", () => {
    const files = { ...sources("shared"), ...sources("functions") };
    expect(Object.keys(files).length).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  it("reads static, type-only, re-exported and dynamic imports", () => {
    const source = [
      'import { a } from "../adapters/aws/x.ts";',
      'import type { B } from "@aws-sdk/client-ec2";',
      'export { c } from "./c.ts";',
      'const d = await import("../composition/d.ts");',
    ].join("\n");
    expect(importsOf("shared/domain/file.ts", source)).toEqual([
      "shared/adapters/aws/x.ts",
      "@aws-sdk/client-ec2",
      "shared/domain/c.ts",
      "shared/composition/d.ts",
    ]);
  });

  it("catches the core importing an adapter, composition, config or the SDK", () => {
    expect(
      violations({
        "shared/domain/a.ts": 'import { x } from "../adapters/aws/ec2-client.ts";',
        "shared/use-cases/annexes/b.ts":
          'import { annexPorts } from "../../composition/annexes.ts";',
        "shared/enforcement/c.ts": 'import type { Filter } from "@aws-sdk/client-ec2";',
        "shared/ports/d.ts": 'import { getStringFromEnv } from "../config.ts";',
      }),
    ).toEqual([
      "shared/domain/a.ts imports shared/adapters/aws/ec2-client.ts: the core imports no adapter, composition, config or AWS SDK",
      "shared/use-cases/annexes/b.ts imports shared/composition/annexes.ts: the core imports no adapter, composition, config or AWS SDK",
      "shared/enforcement/c.ts imports @aws-sdk/client-ec2: the core imports no adapter, composition, config or AWS SDK",
      "shared/enforcement/c.ts imports @aws-sdk/client-ec2: only adapters import the AWS SDK",
      "shared/ports/d.ts imports shared/config.ts: the core imports no adapter, composition, config or AWS SDK",
      "shared/ports/d.ts imports shared/config.ts: ports import only the domain",
    ]);
  });

  it("catches a function reaching past composition, use-cases and the HTTP edge", () => {
    expect(
      violations({
        "functions/f.ts": [
          'import { ok } from "../shared/composition/annexes.ts";',
          'import { dynamoDb } from "../shared/adapters/aws/dynamodb-client.ts";',
          'import { presentAnnex } from "../shared/domain/tags.ts";',
        ].join("\n"),
      }),
    ).toEqual([
      "functions/f.ts imports shared/adapters/aws/dynamodb-client.ts: functions import only composition, use-cases (and enforcement) and adapters/http",
      "functions/f.ts imports shared/domain/tags.ts: functions import only composition, use-cases (and enforcement) and adapters/http",
    ]);
  });

  it("catches an SDK error shape read outside the adapters", () => {
    expect(
      violations({
        "shared/enforcement/e.ts":
          'const client = (error as { $fault?: string }).$fault === "client";',
      }),
    ).toEqual([
      "shared/enforcement/e.ts reads an SDK error shape: only adapters translate SDK errors",
    ]);
  });
});
