/**
 * The Price List's EC2 products, built from the emulator's instance-type table in the shape
 * `GetProducts` answers (`product.attributes`, `terms.OnDemand.<sku>.<offerTerm>.priceDimensions`).
 * Besides Linux on shared tenancy with no pre-installed software ("Used" capacity), every type
 * also has the variants a careless filter picks up in AWS: capacity-reservation rows, dedicated
 * tenancy, Windows, RHEL, SUSE and SQL Server Web.
 */

import { createHash } from "node:crypto";
import { type InstanceTypeInfo, instanceTypes, pricedRegions, roundPrice } from "../ec2/pricing.ts";

/** One product: its attributes and its on-demand price per hour. */
export interface Product {
  sku: string;
  attributes: Record<string, string>;
  pricePerHour: number;
  description: string;
}

interface Variant {
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
const variants: Variant[] = [
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

const family = (type: string) =>
  type.startsWith("c")
    ? "Compute optimized"
    : type.startsWith("r")
      ? "Memory optimized"
      : "General purpose";

const processor = (info: InstanceTypeInfo) =>
  info.manufacturer === "amazon-web-services"
    ? "AWS Graviton2 Processor"
    : info.manufacturer === "amd"
      ? "AMD EPYC 7571"
      : "Intel Xeon Platinum 8175";

/** EC2's normalization factor: small 1, large 4, xlarge 8, Nxlarge 8N. */
function sizeFactor(size: string): number {
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

const sku = (seed: string) =>
  [...createHash("sha256").update(seed).digest().subarray(0, 16)]
    .map((b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32])
    .join("");

function product(
  region: string,
  type: string,
  info: InstanceTypeInfo,
  v: Variant,
  linuxPrice: number,
): Product {
  const pricing = pricedRegions[region];
  const memory = `${Number((info.memoryMiB / 1024).toFixed(3))} GiB`;
  const price = roundPrice(v.price(linuxPrice, info.vcpus));
  const kind =
    v.capacitystatus === "AllocatedCapacityReservation"
      ? "Reservation"
      : v.capacitystatus === "UnusedCapacityReservation"
        ? "Unused Reservation"
        : v.tenancy === "Dedicated"
          ? "Dedicated"
          : "On Demand";
  return {
    sku: sku(
      `${region}|${type}|${v.operation}|${v.tenancy}|${v.preInstalledSw}|${v.capacitystatus}`,
    ),
    pricePerHour: price,
    description: `$${price} per ${kind} ${v.label}${v.preInstalledSw === "NA" ? "" : ` with ${v.preInstalledSw}`} ${type} Instance Hour`,
    attributes: {
      servicecode: "AmazonEC2",
      servicename: "Amazon Elastic Compute Cloud",
      location: pricing?.location ?? region,
      locationType: "AWS Region",
      regionCode: region,
      instanceType: type,
      instanceFamily: family(type),
      currentGeneration: info.generation === "current" ? "Yes" : "No",
      vcpu: String(info.vcpus),
      memory,
      physicalProcessor: processor(info),
      processorArchitecture: "64-bit",
      storage: info.localStorage
        ? `1 x ${info.localStorage.totalGB} ${info.localStorage.type.toUpperCase()}`
        : "EBS only",
      networkPerformance: "Up to 10 Gigabit",
      tenancy: v.tenancy,
      operatingSystem: v.operatingSystem,
      licenseModel: "No License required",
      preInstalledSw: v.preInstalledSw,
      capacitystatus: v.capacitystatus,
      usagetype: `${pricing?.usagePrefix ?? ""}${v.usage}:${type}`,
      operation: v.operation,
      marketoption: "OnDemand",
      normalizationSizeFactor: String(sizeFactor(type.split(".")[1] ?? "")),
    },
  };
}

/** Every EC2 product of the priced regions; `linuxPrice` gives the Linux price (pins included). */
export function ec2Products(
  linuxPrice: (type: string, region: string) => number | undefined,
): Product[] {
  const out: Product[] = [];
  for (const region of Object.keys(pricedRegions))
    for (const [type, info] of instanceTypes) {
      const price = linuxPrice(type, region);
      if (price === undefined) continue;
      for (const variant of variants) out.push(product(region, type, info, variant, price));
    }
  return out;
}

const offerTerm = "JRTCKXETXF";
const rateCode = "6YS6EN2CT7";

/** A product as one `PriceList` entry (a JSON string, as GetProducts answers it). */
export function priceListEntry(p: Product): string {
  const term = `${p.sku}.${offerTerm}`;
  const rate = `${term}.${rateCode}`;
  return JSON.stringify({
    product: { productFamily: "Compute Instance", attributes: p.attributes, sku: p.sku },
    serviceCode: "AmazonEC2",
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: {
            [rate]: {
              unit: "Hrs",
              endRange: "Inf",
              description: p.description,
              appliesTo: [],
              rateCode: rate,
              beginRange: "0",
              pricePerUnit: { USD: p.pricePerHour.toFixed(10) },
            },
          },
          sku: p.sku,
          effectiveDate: "2024-01-01T00:00:00Z",
          offerTermCode: offerTerm,
          termAttributes: {},
        },
      },
    },
    version: "20240101000000",
    publicationDate: "2024-01-01T00:00:00Z",
  });
}
