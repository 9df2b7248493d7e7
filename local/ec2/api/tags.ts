/** CreateTags, DeleteTags and DescribeTags over every resource the emulator keeps. */

import {
  CreateTags$,
  type CreateTagsRequest,
  DeleteTags$,
  type DeleteTagsRequest,
  DescribeTags$,
  type DescribeTagsRequest,
  type DescribeTagsResult,
  type TagDescription,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { applyFilters } from "../core/filters.ts";
import { isVisible } from "../core/launch.ts";
import { paginate } from "../core/pagination.ts";
import type { TagPair } from "../core/state.ts";
import { mergeTags, userTags } from "../core/tags.ts";
import { Ec2Error, invalidParameter, missingParameter } from "../protocol/errors.ts";
import { instancesNotFound } from "./lookup.ts";
import { operation } from "./operation.ts";

interface Taggable {
  id: string;
  type: string;
  holder: { tags: TagPair[] };
}

const notFound = (code: string, what: string, id: string) =>
  new Ec2Error(code, `The ${what} '${id}' does not exist`);

/** Every taggable resource, in a stable order. */
function allTaggables(ctx: Ec2Context, now: number): Taggable[] {
  const s = ctx.state;
  const instances = Object.values(s.instances).filter((i) => isVisible(i, now));
  return [
    ...instances.map((i) => ({ id: i.id, type: "instance", holder: i })),
    ...instances.map((i) => ({ id: i.volume.id, type: "volume", holder: i.volume })),
    ...Object.values(s.securityGroups).map((g) => ({
      id: g.id,
      type: "security-group",
      holder: g,
    })),
    ...Object.values(s.keyPairs).map((k) => ({ id: k.id, type: "key-pair", holder: k })),
    ...Object.values(s.launchTemplates).map((t) => ({
      id: t.id,
      type: "launch-template",
      holder: t,
    })),
    ...Object.values(s.spotFleets).map((f) => ({
      id: f.id,
      type: "spot-fleet-request",
      holder: f,
    })),
    ...Object.values(s.fleets).map((f) => ({ id: f.id, type: "fleet", holder: f })),
    ...Object.values(s.vpcs).map((v) => ({ id: v.id, type: "vpc", holder: v })),
    ...Object.values(s.subnets).map((n) => ({ id: n.id, type: "subnet", holder: n })),
  ];
}

function findTaggables(ctx: Ec2Context, ids: string[], now: number): Taggable[] {
  const all = new Map(allTaggables(ctx, now).map((t) => [t.id, t]));
  return ids.map((id) => {
    const found = all.get(id);
    if (found) return found;
    const prefix = id.split("-")[0];
    if (!/^[a-z]+-([0-9a-f]{8}|[0-9a-f]{17}|[0-9a-f-]{36})$/.test(id))
      throw new Ec2Error("InvalidID", `The ID '${id}' is not valid`);
    if (prefix === "i") throw instancesNotFound([id]);
    if (prefix === "sg") throw notFound("InvalidGroup.NotFound", "security group", id);
    if (prefix === "vol") throw notFound("InvalidVolume.NotFound", "volume", id);
    if (prefix === "sfr")
      throw notFound("InvalidSpotFleetRequestId.NotFound", "spot fleet request ID", id);
    throw new Ec2Error("InvalidID", `The ID '${id}' is not valid`);
  });
}

/** CreateTags. */
export const createTags = operation(CreateTags$, (ctx, input: CreateTagsRequest, call): object => {
  const ids = input.Resources ?? [];
  if (ids.length === 0) throw missingParameter("ResourceId");
  if (!input.Tags || input.Tags.length === 0) throw missingParameter("Tag");
  const tags = userTags(input.Tags);
  const targets = findTaggables(ctx, ids, call.now);
  const merged = targets.map((t) => mergeTags(t.holder.tags, tags));
  targets.forEach((t, i) => {
    t.holder.tags = merged[i] ?? t.holder.tags;
  });
  ctx.markDirty();
  return {};
});

/** DeleteTags: a tag with a value deletes only on a match; no tags deletes all user tags. */
export const deleteTags = operation(DeleteTags$, (ctx, input: DeleteTagsRequest, call): object => {
  const ids = input.Resources ?? [];
  if (ids.length === 0) throw missingParameter("ResourceId");
  for (const tag of input.Tags ?? [])
    if (tag.Key?.toLowerCase().startsWith("aws:"))
      throw invalidParameter("Tag keys starting with 'aws:' are reserved for internal use");
  for (const target of findTaggables(ctx, ids, call.now)) {
    target.holder.tags = target.holder.tags.filter((existing) => {
      if (existing.Key.startsWith("aws:")) return true;
      if (!input.Tags || input.Tags.length === 0) return false;
      return !input.Tags.some(
        (t) => t.Key === existing.Key && (t.Value === undefined || t.Value === existing.Value),
      );
    });
  }
  ctx.markDirty();
  return {};
});

/** DescribeTags. */
export const describeTags = operation(
  DescribeTags$,
  (ctx, input: DescribeTagsRequest, call): DescribeTagsResult => {
    const rows = allTaggables(ctx, call.now).flatMap((t) =>
      t.holder.tags.map((tag) => ({ ...tag, id: t.id, type: t.type })),
    );
    const numbered = rows.map((row, i) => ({ ...row, seq: i + 1 }));
    const matching = applyFilters(numbered, input.Filters, {
      "resource-id": (r) => r.id,
      "resource-type": (r) => r.type,
      key: (r) => r.Key,
      value: (r) => r.Value,
    });
    const { page, nextToken } = paginate(matching, (r) => r.seq, input, { min: 5, max: 1000 });
    const tags: TagDescription[] = page.map((r) => ({
      Key: r.Key,
      Value: r.Value,
      ResourceId: r.id,
      ResourceType: r.type as TagDescription["ResourceType"],
    }));
    return { Tags: tags, NextToken: nextToken };
  },
);
