/** Permissions no SDK operation bundled in the function needs (stale grants, or calls it never makes). */

import { NEEDED_BY, POLLING } from "./may-call.ts";
import { grantsOf } from "./policy-rules.ts";
import type { FunctionView } from "./template.ts";

/** `function: action` for each granted action that none of the function's operations needs. */
export function unneededGrants(
  functions: FunctionView[],
  operationsOf: (name: string) => Set<string>,
): string[] {
  return functions.flatMap((fn) => {
    const operations = operationsOf(fn.name);
    const actions = new Set([...grantsOf(fn)].map((grant) => grant.split(" ")[0] as string));
    return [...actions]
      .filter((action) => !(fn.polled && POLLING.includes(action)))
      .filter((action) => !(NEEDED_BY[action] ?? [action]).some((op) => operations.has(op)))
      .map((action) => `${fn.name}: ${action}`);
  });
}
