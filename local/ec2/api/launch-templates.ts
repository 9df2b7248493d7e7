/** CreateLaunchTemplate, DescribeLaunchTemplates, DeleteLaunchTemplate (templates have version 1 only). */

import {
  CreateLaunchTemplate$,
  type CreateLaunchTemplateRequest,
  type CreateLaunchTemplateResult,
  DeleteLaunchTemplate$,
  type DeleteLaunchTemplateRequest,
  type DeleteLaunchTemplateResult,
  DescribeLaunchTemplates$,
  type DescribeLaunchTemplatesRequest,
  type DescribeLaunchTemplatesResult,
  type LaunchTemplate,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { nextSeq } from "../core/context.ts";
import { applyFilters } from "../core/filters.ts";
import { newId } from "../core/ids.ts";
import { paginate } from "../core/pagination.ts";
import type { LaunchTemplateRecord } from "../core/state.ts";
import { sdkTags, tagSpecifications } from "../core/tags.ts";
import { findTemplate, notFoundById, notFoundByName } from "../core/templates.ts";
import { Ec2Error, invalidValue, missingParameter } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

const view = (t: LaunchTemplateRecord, ctx: Ec2Context): LaunchTemplate => ({
  LaunchTemplateId: t.id,
  LaunchTemplateName: t.name,
  CreateTime: new Date(t.createdAt),
  CreatedBy: `arn:aws:iam::${ctx.accountId}:root`,
  DefaultVersionNumber: 1,
  LatestVersionNumber: 1,
  Tags: sdkTags(t.tags),
});

/** CreateLaunchTemplate. */
export const createLaunchTemplate = operation(
  CreateLaunchTemplate$,
  (ctx, input: CreateLaunchTemplateRequest, call): CreateLaunchTemplateResult => {
    const name = input.LaunchTemplateName;
    if (name === undefined) throw missingParameter("LaunchTemplateName");
    if (!input.LaunchTemplateData) throw missingParameter("LaunchTemplateData");
    if (!/^[a-zA-Z0-9().\-/_]{3,128}$/.test(name)) throw invalidValue("LaunchTemplateName", name);
    if (Object.values(ctx.state.launchTemplates).some((t) => t.name === name))
      throw new Ec2Error(
        "InvalidLaunchTemplateName.AlreadyExistsException",
        `Launch template name already in use.`,
      );
    const tags = tagSpecifications(input.TagSpecifications, ["launch-template"]);
    const record: LaunchTemplateRecord = {
      id: newId("lt"),
      seq: nextSeq(ctx),
      name,
      createdAt: call.now,
      data: input.LaunchTemplateData,
      tags: tags.get("launch-template") ?? [],
    };
    ctx.state.launchTemplates[record.id] = record;
    ctx.markDirty();
    return { LaunchTemplate: view(record, ctx) };
  },
);

/** DescribeLaunchTemplates. */
export const describeLaunchTemplates = operation(
  DescribeLaunchTemplates$,
  (ctx, input: DescribeLaunchTemplatesRequest): DescribeLaunchTemplatesResult => {
    let templates = Object.values(ctx.state.launchTemplates);
    for (const id of input.LaunchTemplateIds ?? [])
      if (!templates.some((t) => t.id === id)) throw notFoundById(id);
    for (const name of input.LaunchTemplateNames ?? [])
      if (!templates.some((t) => t.name === name)) throw notFoundByName();
    if (input.LaunchTemplateIds?.length)
      templates = templates.filter((t) => input.LaunchTemplateIds?.includes(t.id));
    if (input.LaunchTemplateNames?.length)
      templates = templates.filter((t) => input.LaunchTemplateNames?.includes(t.name));
    const filtered = applyFilters(
      templates,
      input.Filters,
      {
        "launch-template-name": (t) => t.name,
        "create-time": (t) => new Date(t.createdAt).toISOString(),
      },
      (t) => t.tags,
    );
    const { page, nextToken } = paginate(filtered, (t) => t.seq, input, { min: 1, max: 200 });
    return { LaunchTemplates: page.map((t) => view(t, ctx)), NextToken: nextToken };
  },
);

/** DeleteLaunchTemplate. */
export const deleteLaunchTemplate = operation(
  DeleteLaunchTemplate$,
  (ctx, input: DeleteLaunchTemplateRequest): DeleteLaunchTemplateResult => {
    const template = findTemplate(ctx, {
      LaunchTemplateId: input.LaunchTemplateId,
      LaunchTemplateName: input.LaunchTemplateName,
    });
    delete ctx.state.launchTemplates[template.id];
    ctx.markDirty();
    return { LaunchTemplate: view(template, ctx) };
  },
);
