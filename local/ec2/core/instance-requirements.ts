/**
 * Attribute-based instance type selection (`InstanceRequirements`): which built-in types match a
 * request's attributes, with EC2's defaults (burstable and bare metal excluded, instance store
 * included). Attributes the table does not describe are refused rather than ignored.
 */

import type { InstanceRequirements } from "@aws-sdk/client-ec2";
import { type InstanceTypeInfo, instanceTypes } from "../pricing.ts";
import {
  Ec2Error,
  invalidCombination,
  invalidValue,
  missingParameter,
} from "../protocol/errors.ts";
import { wildcard } from "./filters.ts";

interface Range {
  Min?: number;
  Max?: number;
}

const notEvaluated = [
  "NetworkBandwidthGbps",
  "BaselineEbsBandwidthMbps",
  "BaselinePerformanceFactors",
] as const;

/** Checks a request's requirements as EC2 does before anything is selected. */
export function checkRequirements(req: InstanceRequirements, where = "InstanceRequirements"): void {
  if (req.VCpuCount?.Min === undefined) throw missingParameter(`${where}.VCpuCount.Min`);
  if (req.MemoryMiB?.Min === undefined) throw missingParameter(`${where}.MemoryMiB.Min`);
  const ranges: [string, Range | undefined][] = [
    ["VCpuCount", req.VCpuCount],
    ["MemoryMiB", req.MemoryMiB],
    ["MemoryGiBPerVCpu", req.MemoryGiBPerVCpu],
    ["NetworkInterfaceCount", req.NetworkInterfaceCount],
    ["TotalLocalStorageGB", req.TotalLocalStorageGB],
    ["AcceleratorCount", req.AcceleratorCount],
    ["AcceleratorTotalMemoryMiB", req.AcceleratorTotalMemoryMiB],
  ];
  for (const [name, range] of ranges)
    if (range?.Min !== undefined && range.Max !== undefined && range.Min > range.Max)
      throw invalidValue(`${where}.${name}.Min`, range.Min, "Min must not exceed Max.");
  if (req.AllowedInstanceTypes?.length && req.ExcludedInstanceTypes?.length)
    throw invalidCombination(
      "You can't specify both AllowedInstanceTypes and ExcludedInstanceTypes.",
    );
  for (const name of notEvaluated)
    if (req[name] !== undefined)
      throw new Ec2Error(
        "UnsupportedOperation",
        `The local EC2 emulator does not evaluate ${where}.${name}.`,
      );
  if (req.RequireEncryptionInTransit === true)
    throw new Ec2Error(
      "UnsupportedOperation",
      `The local EC2 emulator does not evaluate ${where}.RequireEncryptionInTransit.`,
    );
}

const within = (value: number, range: Range | undefined) =>
  range === undefined ||
  ((range.Min === undefined || value >= range.Min) &&
    (range.Max === undefined || value <= range.Max));

const anyMatch = (patterns: string[], name: string) => patterns.some((p) => wildcard(p).test(name));

/** `included` (no constraint), `required` (must have) or `excluded` (must not have). */
const presence = (setting: string | undefined, fallback: string, has: boolean) => {
  const value = setting ?? fallback;
  return value === "included" || (value === "required") === has;
};

function matches(req: InstanceRequirements, name: string, info: InstanceTypeInfo): boolean {
  const storageGB = info.localStorage?.totalGB ?? 0;
  return (
    within(info.vcpus, req.VCpuCount) &&
    within(info.memoryMiB, req.MemoryMiB) &&
    within(info.memoryMiB / 1024 / info.vcpus, req.MemoryGiBPerVCpu) &&
    within(info.maxNetworkInterfaces, req.NetworkInterfaceCount) &&
    within(storageGB, req.TotalLocalStorageGB) &&
    within(0, req.AcceleratorCount) &&
    within(0, req.AcceleratorTotalMemoryMiB) &&
    !req.AcceleratorTypes?.length &&
    !req.AcceleratorManufacturers?.length &&
    !req.AcceleratorNames?.length &&
    (!req.CpuManufacturers?.length || req.CpuManufacturers.includes(info.manufacturer)) &&
    (!req.InstanceGenerations?.length || req.InstanceGenerations.includes(info.generation)) &&
    (!req.AllowedInstanceTypes?.length || anyMatch(req.AllowedInstanceTypes, name)) &&
    !anyMatch(req.ExcludedInstanceTypes ?? [], name) &&
    presence(req.BurstablePerformance, "excluded", info.burstable) &&
    presence(req.BareMetal, "excluded", false) &&
    presence(req.LocalStorage, "included", info.localStorage !== undefined) &&
    (!info.localStorage ||
      !req.LocalStorageTypes?.length ||
      req.LocalStorageTypes.includes(info.localStorage.type)) &&
    (req.RequireHibernateSupport !== true || info.hibernation)
  );
}

/** The built-in types matching the requirements (and one of `architectures`, when given), by name. */
export function matchingTypes(req: InstanceRequirements, architectures?: string[]): string[] {
  return [...instanceTypes]
    .filter(([name, info]) => matches(req, name, info))
    .filter(([, info]) => !architectures?.length || architectures.includes(info.architecture))
    .map(([name]) => name)
    .sort();
}
