/** Tag rules as EC2 applies them: reserved `aws:` prefix, lengths, 50 per resource, TagSpecifications. */

import type { Tag } from "@aws-sdk/client-ec2";
import { Ec2Error, invalidParameter, missingParameter } from "../protocol/errors.ts";
import type { TagPair } from "./state.ts";

const maxTags = 50;

/** Validates user tags (no `aws:` keys, EC2's length limits) and returns them as pairs. */
export function userTags(tags: Tag[] | undefined, where = "Tag"): TagPair[] {
  const pairs: TagPair[] = [];
  for (const tag of tags ?? []) {
    const key = tag.Key;
    if (key === undefined) throw missingParameter(`${where}.Key`);
    if (key.length === 0 || key.length > 128)
      throw invalidParameter(`Tag key exceeds the maximum length of 128 characters or is empty`);
    if (key.toLowerCase().startsWith("aws:"))
      throw invalidParameter("Tag keys starting with 'aws:' are reserved for internal use");
    const value = tag.Value ?? "";
    if (value.length > 256)
      throw invalidParameter(`Tag value exceeds the maximum length of 256 characters`);
    pairs.push({ Key: key, Value: value });
  }
  return pairs;
}

/** Sets tags on a resource (a key replaces its earlier value); enforces the 50-tag limit. */
export function mergeTags(existing: TagPair[], added: TagPair[]): TagPair[] {
  const merged = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const tag of added) merged.set(tag.Key, tag.Value);
  if (merged.size > maxTags)
    throw new Ec2Error(
      "TagLimitExceeded",
      "The maximum number of Tags for a resource has been reached.",
    );
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

interface TagSpecificationLike {
  ResourceType?: string;
  Tags?: Tag[];
}

/** Reads TagSpecifications, allowing only `allowed` resource types; returns tags per type. */
export function tagSpecifications(
  specs: TagSpecificationLike[] | undefined,
  allowed: string[],
): Map<string, TagPair[]> {
  const out = new Map<string, TagPair[]>();
  for (const spec of specs ?? []) {
    const type = spec.ResourceType;
    if (type === undefined) throw missingParameter("TagSpecification.ResourceType");
    if (!allowed.includes(type))
      throw invalidParameter(`'${type}' is not a valid taggable resource type for this operation.`);
    if (!spec.Tags || spec.Tags.length === 0)
      throw invalidParameter("Tag specification must have at least one tag");
    out.set(type, mergeTags(out.get(type) ?? [], userTags(spec.Tags)));
  }
  return out;
}

/** SDK-shaped tags, or undefined when there are none (EC2 omits an empty tagSet). */
export const sdkTags = (tags: TagPair[]): Tag[] | undefined =>
  tags.length === 0 ? undefined : tags.map((t) => ({ Key: t.Key, Value: t.Value }));
