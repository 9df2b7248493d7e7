/** Launch templates: finding one by id or name, and its data in RunInstances' terms. */

import type { RequestLaunchTemplateData, RunInstancesRequest } from "@aws-sdk/client-ec2";
import { Ec2Error, invalidCombination, missingParameter } from "../protocol/errors.ts";
import type { Ec2Context } from "./context.ts";
import type { LaunchTemplateRecord } from "./state.ts";

export interface TemplateRef {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
  Version?: string;
}

export const notFoundById = (id: string) =>
  new Ec2Error(
    "InvalidLaunchTemplateId.NotFound",
    `The specified launch template, with template ID ${id}, does not exist.`,
  );

export const notFoundByName = () =>
  new Ec2Error(
    "InvalidLaunchTemplateName.NotFoundException",
    "At least one of the launch templates specified in the request does not exist.",
  );

/** The template a reference names; only version 1 (also `$Latest` / `$Default`) exists. */
export function findTemplate(ctx: Ec2Context, ref: TemplateRef): LaunchTemplateRecord {
  const templates = Object.values(ctx.state.launchTemplates);
  if (ref.LaunchTemplateId !== undefined && ref.LaunchTemplateName !== undefined)
    throw invalidCombination(
      "Specify either a launch template ID or a launch template name, not both.",
    );
  let template: LaunchTemplateRecord | undefined;
  if (ref.LaunchTemplateId !== undefined) {
    template = templates.find((t) => t.id === ref.LaunchTemplateId);
    if (!template) throw notFoundById(ref.LaunchTemplateId);
  } else if (ref.LaunchTemplateName !== undefined) {
    template = templates.find((t) => t.name === ref.LaunchTemplateName);
    if (!template) throw notFoundByName();
  } else throw missingParameter("LaunchTemplateId or LaunchTemplateName");
  const version = ref.Version ?? "$Default";
  if (!["$Latest", "$Default", "1"].includes(version))
    throw new Ec2Error(
      "InvalidLaunchTemplateId.VersionNotFound",
      `Could not find launch template version ${version} for launch template ID ${template.id}.`,
    );
  return template;
}

/** RunInstances parameters with the named launch template's data filled in underneath. */
export function withTemplate(ctx: Ec2Context, request: RunInstancesRequest): RunInstancesRequest {
  if (!request.LaunchTemplate) return request;
  const data = findTemplate(ctx, request.LaunchTemplate).data;
  const defined = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  return { ...asRunInput(data), ...defined } as RunInstancesRequest;
}

/** Template data in RunInstances' terms (the members both share). */
export function asRunInput(data: RequestLaunchTemplateData): Partial<RunInstancesRequest> {
  const nic = data.NetworkInterfaces?.[0];
  const out: Partial<RunInstancesRequest> = {
    ImageId: data.ImageId,
    InstanceType: data.InstanceType,
    KeyName: data.KeyName,
    SecurityGroupIds: data.SecurityGroupIds ?? nic?.Groups,
    SecurityGroups: data.SecurityGroups,
    SubnetId: nic?.SubnetId,
    UserData: data.UserData,
    IamInstanceProfile: data.IamInstanceProfile,
    TagSpecifications: data.TagSpecifications,
    InstanceInitiatedShutdownBehavior: data.InstanceInitiatedShutdownBehavior,
    InstanceMarketOptions:
      data.InstanceMarketOptions as RunInstancesRequest["InstanceMarketOptions"],
    MetadataOptions: data.MetadataOptions,
    Placement: data.Placement?.AvailabilityZone
      ? { AvailabilityZone: data.Placement.AvailabilityZone }
      : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
