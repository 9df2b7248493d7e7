/**
 * The product variants every instance type has in the Price List, and the descriptive attributes
 * derived from the type (family, processor, normalization factor).
 */

import type { InstanceTypeInfo } from "../ec2/pricing.ts";

export interface Variant {
  operatingSystem: string;
  label: string;
  tenancy: "Shared" | "Dedicated";
  preInstalledSw: string;
  capacitystatus: "Used" | "UnusedCapacityReservation" | "AllocatedCapacityReservation";
  usage: string;
  operation: string;
  /** Price from the Linux price and the type's vCPUs. */
  price(linux: number, vcpus: number): number;
}

const linux = {
  operatingSystem: "Linux",
  label: "Linux",
  tenancy: "Shared",
  preInstalledSw: "NA",
} as const;
export const variants: Variant[] = [
  {
    ...linux,
    capacitystatus: "Used",
    usage: "BoxUsage",
    operation: "RunInstances",
    price: (p) => p,
  },
  {
    ...linux,
    capacitystatus: "UnusedCapacityReservation",
    usage: "UnusedBox",
    operation: "RunInstances",
    price: (p) => p,
  },
  {
    ...linux,
    capacitystatus: "AllocatedCapacityReservation",
    usage: "Reservation",
    operation: "RunInstances",
    price: () => 0,
  },
  {
    ...linux,
    tenancy: "Dedicated",
    capacitystatus: "Used",
    usage: "DedicatedUsage",
    operation: "RunInstances",
    price: (p) => p * 1.1,
  },
  {
    ...linux,
    operatingSystem: "Windows",
    label: "Windows",
    capacitystatus: "Used",
    usage: "BoxUsage",
    operation: "RunInstances:0002",
    price: (p, v) => p + 0.046 * v,
  },
  {
    ...linux,
    operatingSystem: "RHEL",
    label: "RHEL",
    capacitystatus: "Used",
    usage: "BoxUsage",
    operation: "RunInstances:0010",
    price: (p, v) => p + 0.0144 * v,
  },
  {
    ...linux,
    operatingSystem: "SUSE",
    label: "SUSE",
    capacitystatus: "Used",
    usage: "BoxUsage",
    operation: "RunInstances:000g",
    price: (p, v) => p + 0.0125 * v,
  },
  {
    ...linux,
    preInstalledSw: "SQL Web",
    capacitystatus: "Used",
    usage: "BoxUsage",
    operation: "RunInstances:0200",
    price: (p, v) => p + 0.0117 * v,
  },
];

export const family = (type: string) =>
  type.startsWith("c")
    ? "Compute optimized"
    : type.startsWith("r")
      ? "Memory optimized"
      : "General purpose";

export const processor = (info: InstanceTypeInfo) =>
  info.manufacturer === "amazon-web-services"
    ? "AWS Graviton2 Processor"
    : info.manufacturer === "amd"
      ? "AMD EPYC 7571"
      : "Intel Xeon Platinum 8175";

/** EC2's normalization factor: small 1, large 4, xlarge 8, Nxlarge 8N. */
export function sizeFactor(size: string): number {
  const fixed: Record<string, number> = {
    nano: 0.25,
    micro: 0.5,
    small: 1,
    medium: 2,
    large: 4,
    xlarge: 8,
  };
  return fixed[size] ?? Number.parseInt(size, 10) * 8;
}
