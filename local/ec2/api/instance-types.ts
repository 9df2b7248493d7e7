/** DescribeInstanceTypes and GetInstanceTypesFromInstanceRequirements over the built-in table. */

import {
  DescribeInstanceTypes$,
  type DescribeInstanceTypesRequest,
  type DescribeInstanceTypesResult,
  GetInstanceTypesFromInstanceRequirements$,
  type GetInstanceTypesFromInstanceRequirementsRequest,
  type GetInstanceTypesFromInstanceRequirementsResult,
  type InstanceTypeInfo,
} from "@aws-sdk/client-ec2";
import { applyFilters } from "../core/filters.ts";
import { checkRequirements, matchingTypes } from "../core/instance-requirements.ts";
import { paginate } from "../core/pagination.ts";
import { instanceTypes, type InstanceTypeInfo as Row } from "../pricing.ts";
import { Ec2Error, invalidValue, missingParameter } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

const yes = (b: boolean) => String(b);

function view(name: string, info: Row): InstanceTypeInfo {
  const cores = info.vcpus === 1 ? 1 : info.vcpus / 2;
  return {
    InstanceType: name as InstanceTypeInfo["InstanceType"],
    CurrentGeneration: info.generation === "current",
    FreeTierEligible: name === "t2.micro" || name === "t3.micro",
    SupportedUsageClasses: ["on-demand", "spot"],
    SupportedRootDeviceTypes: ["ebs"],
    SupportedVirtualizationTypes: info.paravirtual ? ["hvm", "paravirtual"] : ["hvm"],
    BareMetal: false,
    Hypervisor: /^(m1|c3|c4|m4|t2)\./.test(name) ? "xen" : "nitro",
    ProcessorInfo: { SupportedArchitectures: [info.architecture], Manufacturer: info.manufacturer },
    VCpuInfo: {
      DefaultVCpus: info.vcpus,
      DefaultCores: cores,
      DefaultThreadsPerCore: info.vcpus / cores,
    },
    MemoryInfo: { SizeInMiB: info.memoryMiB },
    InstanceStorageSupported: info.localStorage !== undefined,
    InstanceStorageInfo: info.localStorage && {
      TotalSizeInGB: info.localStorage.totalGB,
      Disks: [{ SizeInGB: info.localStorage.totalGB, Count: 1, Type: info.localStorage.type }],
    },
    NetworkInfo: { MaximumNetworkInterfaces: info.maxNetworkInterfaces },
    BurstablePerformanceSupported: info.burstable,
    HibernationSupported: info.hibernation,
  };
}

/** DescribeInstanceTypes. */
export const describeInstanceTypes = operation(
  DescribeInstanceTypes$,
  (_ctx, input: DescribeInstanceTypesRequest): DescribeInstanceTypesResult => {
    const unknown = (input.InstanceTypes ?? []).filter((t) => !instanceTypes.has(t));
    if (unknown.length > 0)
      throw new Ec2Error(
        "InvalidInstanceType",
        `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
      );
    const names = input.InstanceTypes?.length ? input.InstanceTypes : [...instanceTypes.keys()];
    const rows = names.flatMap((name, i) => {
      const info = instanceTypes.get(name);
      return info ? [{ name, seq: i + 1, info }] : [];
    });
    const matching = applyFilters(rows, input.Filters, {
      "instance-type": (r) => r.name,
      "vcpu-info.default-vcpus": (r) => String(r.info.vcpus),
      "memory-info.size-in-mib": (r) => String(r.info.memoryMiB),
      "processor-info.supported-architecture": (r) => r.info.architecture,
      "current-generation": (r) => yes(r.info.generation === "current"),
      "burstable-performance-supported": (r) => yes(r.info.burstable),
      "bare-metal": () => "false",
      "instance-storage-supported": (r) => yes(r.info.localStorage !== undefined),
      "hibernation-supported": (r) => yes(r.info.hibernation),
      "network-info.maximum-network-interfaces": (r) => String(r.info.maxNetworkInterfaces),
    });
    const { page, nextToken } = paginate(matching, (r) => r.seq, input, { min: 5, max: 100 });
    return { InstanceTypes: page.map(({ name, info }) => view(name, info)), NextToken: nextToken };
  },
);

const architectures = ["i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"];

/** GetInstanceTypesFromInstanceRequirements: the types matching attributes (no price protection). */
export const getInstanceTypesFromInstanceRequirements = operation(
  GetInstanceTypesFromInstanceRequirements$,
  (
    _ctx,
    input: GetInstanceTypesFromInstanceRequirementsRequest,
  ): GetInstanceTypesFromInstanceRequirementsResult => {
    if (!input.ArchitectureTypes?.length) throw missingParameter("ArchitectureTypes");
    if (!input.VirtualizationTypes?.length) throw missingParameter("VirtualizationTypes");
    if (!input.InstanceRequirements) throw missingParameter("InstanceRequirements");
    for (const a of input.ArchitectureTypes)
      if (!architectures.includes(a)) throw invalidValue("ArchitectureTypes", a);
    for (const v of input.VirtualizationTypes)
      if (v !== "hvm" && v !== "paravirtual") throw invalidValue("VirtualizationTypes", v);
    checkRequirements(input.InstanceRequirements);
    const virtualization = input.VirtualizationTypes;
    const names = matchingTypes(input.InstanceRequirements, input.ArchitectureTypes).filter(
      (name) => virtualization.includes("hvm") || instanceTypes.get(name)?.paravirtual,
    );
    const rows = names.map((name, i) => ({ name, seq: i + 1 }));
    const { page, nextToken } = paginate(rows, (r) => r.seq, input, { min: 1, max: 1000 });
    return { InstanceTypes: page.map((r) => ({ InstanceType: r.name })), NextToken: nextToken };
  },
);
