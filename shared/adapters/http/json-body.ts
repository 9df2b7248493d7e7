/**
 * Request bodies and direct payloads as the API accepts them: JSON with no key given twice in
 * one object (JSON.parse would keep the last silently; a request that says two things is refused)
 * and no value nested deeper than MAX_JSON_DEPTH (refused before anything walks it recursively).
 */

import { MalformedRequestError } from "../../domain/errors.ts";

/** Deepest nesting of objects and lists a request may use (a Spot Fleet config needs about 6). */
export const MAX_JSON_DEPTH = 32;

const tooDeep = () =>
  new MalformedRequestError(`the request nests deeper than ${MAX_JSON_DEPTH} levels`);

/** Parses a request body: valid JSON, no duplicate key, no nesting past MAX_JSON_DEPTH. */
export function parseJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedRequestError("the request body is not valid JSON");
  }
  // The text is valid JSON now: one pass over its strings and brackets finds keys and depth.
  const open: Array<Set<string> | undefined> = [];
  let atKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const keys = open.at(-1);
      if (keys !== undefined && atKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key))
          throw new MalformedRequestError(
            `duplicate key ${JSON.stringify(key.slice(0, 64))} in the request body: give each key once`,
          );
        keys.add(key);
      }
      atKey = false;
      i = end;
    } else if (c === "{" || c === "[") {
      open.push(c === "{" ? new Set() : undefined);
      if (open.length > MAX_JSON_DEPTH) throw tooDeep();
      atKey = c === "{";
    } else if (c === "}" || c === "]") {
      open.pop();
    } else if (c === ",") {
      atKey = open.at(-1) !== undefined;
    }
  }
  return value;
}

/** Refuses an already parsed value (a direct payload) that nests deeper than MAX_JSON_DEPTH. */
export function checkJsonDepth(value: unknown): void {
  const pending: Array<[unknown, number]> = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== "object" || item === null) continue;
    if (depth + 1 > MAX_JSON_DEPTH) throw tooDeep();
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
}
