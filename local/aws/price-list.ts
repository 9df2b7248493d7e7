/**
 * The Price List's EC2 products, built from the emulator's instance-type table in the shape
 * `GetProducts` answers (`product.attributes`, `terms.OnDemand.<sku>.<offerTerm>.priceDimensions`).
 * Besides Linux on shared tenancy with no pre-installed software ("Used" capacity), every type
 * also has the variants a careless filter picks up in AWS: capacity-reservation rows, dedicated
 * tenancy, Windows, RHEL, SUSE and SQL Server Web.
 */

import { createHash } from "node:crypto";
import { type InstanceTypeInfo, instanceTypes, pricedRegions, roundPrice } from "../ec2/pricing.ts";
import { family, processor, sizeFactor, type Variant, variants } from "./price-list-variants.ts";

/** One product: its attributes and its on-demand price per hour. */
export interface Product {
  sku: string;
  attributes: Record<string, string>;
  pricePerHour: number;
  description: string;
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
