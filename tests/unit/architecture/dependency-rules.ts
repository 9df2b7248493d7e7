/**
 * The dependency rule of the service, as data: which folders may import which. The core (domain,
 * ports, use-cases, enforcement) points inward only; adapters are the only code that knows the
 * AWS SDK; functions see composition, use-cases and the HTTP edge only.
 */

import { dirname, join, normalize } from "node:path";
import ts from "typescript";

/** A rule: files under `from` may not import what `forbids` says. */
interface Rule {
  name: string;
  from: RegExp;
  /** True when the import (a repo path, or a bare package name) is forbidden. */
  forbids(target: string): boolean;
}

const CORE = /^shared\/(domain|ports|use-cases|enforcement)\//;
const SDK = /^@(aws-sdk|smithy)\//;

const RULES: readonly Rule[] = [
  {
    name: "the core imports no adapter, composition, config or AWS SDK",
    from: CORE,
    forbids: (target) =>
      SDK.test(target) ||
      /^shared\/(adapters|composition)\//.test(target) ||
      target === "shared/config.ts",
  },
  {
    name: "ports import only the domain",
    from: /^shared\/ports\//,
    forbids: (target) => target.startsWith("shared/") && !/^shared\/(domain|ports)\//.test(target),
  },
  {
    name: "only adapters import the AWS SDK",
    from: /^(shared\/(?!adapters\/aws\/)|functions\/)/,
    forbids: (target) => SDK.test(target),
  },
  {
    name: "adapters never import composition, use-cases or enforcement",
    from: /^shared\/adapters\//,
    forbids: (target) => /^shared\/(composition|use-cases|enforcement)\//.test(target),
  },
  {
    name: "functions import only composition, use-cases (and enforcement) and adapters/http",
    from: /^functions\//,
    forbids: (target) =>
      !/^shared\/(composition|use-cases|enforcement|adapters\/http)\//.test(target),
  },
];

/** Code that only an adapter may contain: the SDK's error shapes (comments may name them). */
const SDK_SHAPES = /\$fault|\$metadata|ThrottlingException|RequestLimitExceeded/;
const withoutComments = (source: string) =>
  source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");

/** What a file imports: repo-relative paths for relative imports, package names otherwise. */
export function importsOf(file: string, source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map(({ fileName }) =>
    fileName.startsWith(".") ? normalize(join(dirname(file), fileName)) : fileName,
  );
}

/** Every broken rule in a set of files (repo-relative path → source), one line each. */
export function violations(files: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [file, source] of Object.entries(files)) {
    for (const target of importsOf(file, source)) {
      for (const rule of RULES) {
        if (rule.from.test(file) && !target.startsWith("node:") && rule.forbids(target)) {
          found.push(`${file} imports ${target}: ${rule.name}`);
        }
      }
    }
    if (CORE.test(file) && SDK_SHAPES.test(withoutComments(source))) {
      found.push(`${file} reads an SDK error shape: only adapters translate SDK errors`);
    }
  }
  return found;
}
