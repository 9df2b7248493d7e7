/** EC2 `Filter.N.Name` / `Filter.N.Value.M` matching: AND across filters, OR within values, `*` and `?` wildcards. */

import type { Filter } from "@aws-sdk/client-ec2";
import { invalidParameter } from "../protocol/errors.ts";
import type { TagPair } from "./state.ts";

/** How to read each supported filter's values from an item. */
export type FilterFields<T> = Record<
  string,
  (item: T) => string | undefined | (string | undefined)[]
>;

/** A compiled wildcard pattern (`\` escapes `*`, `?` and itself). */
export function wildcard(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "\\" && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegExp(pattern.charAt(i));
    } else if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

type Predicate<T> = (item: T) => boolean;

/** Keeps the items every filter matches; unknown filter names are an `InvalidParameterValue`. */
export function applyFilters<T>(
  items: T[],
  filters: Filter[] | undefined,
  fields: FilterFields<T>,
  tagsOf?: (item: T) => TagPair[],
): T[] {
  const predicates = (filters ?? []).map((filter) => compile(filter, fields, tagsOf));
  return predicates.length === 0 ? items : items.filter((item) => predicates.every((p) => p(item)));
}

function compile<T>(
  filter: Filter,
  fields: FilterFields<T>,
  tagsOf?: (item: T) => TagPair[],
): Predicate<T> {
  const name = filter.Name ?? "";
  const patterns = (filter.Values ?? []).map(wildcard);
  const read = reader(name, fields, tagsOf);
  if (!read) throw invalidParameter(`The filter '${name}' is invalid`);
  return (item) => {
    const values = read(item);
    return values.some((value) => value !== undefined && patterns.some((p) => p.test(value)));
  };
}

function reader<T>(
  name: string,
  fields: FilterFields<T>,
  tagsOf?: (item: T) => TagPair[],
): ((item: T) => (string | undefined)[]) | undefined {
  const field = fields[name];
  if (field) return (item) => [field(item)].flat();
  if (!tagsOf) return undefined;
  if (name.startsWith("tag:")) {
    const key = name.slice(4);
    return (item) => tagsOf(item).flatMap((t) => (t.Key === key ? [t.Value] : []));
  }
  if (name === "tag-key") return (item) => tagsOf(item).map((t) => t.Key);
  if (name === "tag-value") return (item) => tagsOf(item).map((t) => t.Value);
  return undefined;
}
