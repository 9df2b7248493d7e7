/**
 * The estimate of a create request, before anything is written: on-demand, `count` instances of
 * one type; spot-fleet, the dearest of its launch specifications filling every slot (its
 * on-demand share at on-demand prices, the rest at today's spot price in the dearest zone); an
 * EC2 Fleet, the dearest of its types for each share (estimate-fleet.ts).
 * A budget is checked against it here, so a refused one creates nothing; with a budget, prices
 * that cannot be had are a 503, without one they leave the estimate unknown.
 */

import { checkBudget, type Estimate, estimateOf } from "../../domain/estimate.ts";
import { Ec2UnavailableError } from "../../domain/launch-errors.ts";
import { hoursToSeconds } from "../../domain/lease.ts";
import { PricesUnavailableError, type PriceTable } from "../../domain/prices.ts";
import type { CreateAnnexRequest } from "../../domain/requests/create-annex.ts";
import type { PoolSettings } from "../../domain/settings.ts";
import { onDemandQuotes, type Quote } from "../prices/on-demand.ts";
import type { PricePorts } from "../prices/ports.ts";
import { spotQuotes } from "../prices/spot.ts";
import { type Fill, fleetFills } from "./estimate-fleet.ts";
import type { AnnexPorts } from "./ports.ts";
import type { LaunchShape } from "./prepare-create.ts";

async function fillsOf(
  catalog: AnnexPorts["catalog"],
  request: CreateAnnexRequest,
  shape: Pick<LaunchShape, "instanceType" | "fleet">,
): Promise<Fill[]> {
  if (shape.fleet !== undefined) return fleetFills(catalog, shape.fleet);
  if (request.kind === "on-demand")
    return [[{ instanceType: shape.instanceType, market: "on-demand", count: request.count }]];
  if (request.kind !== "spot-fleet") return [];
  const config = request.spotFleetConfig;
  const onDemandUnits = Math.min(request.slots, Number(config.OnDemandTargetCapacity ?? 0) || 0);
  return (config.LaunchSpecifications ?? []).map((spec) => {
    const weight = spec.WeightedCapacity ?? 1;
    const type = spec.InstanceType ?? "unspecified";
    const lines: Fill = [
      { instanceType: type, market: "on-demand", count: Math.ceil(onDemandUnits / weight) },
      {
        instanceType: type,
        market: "spot",
        count: Math.ceil((request.slots - onDemandUnits) / weight),
      },
    ];
    return lines.filter((line) => line.count > 0);
  });
}

/** The estimate of `request`, the pinned prices it used, and (with a budget) the budget checked. */
export async function estimateRequest(
  ports: { prices: PricePorts; catalog: AnnexPorts["catalog"] },
  request: CreateAnnexRequest,
  shape: Pick<LaunchShape, "instanceType" | "fleet">,
  settings: Pick<PoolSettings, "prices">,
  now: number,
): Promise<{ estimate: Estimate; pinnedPrices?: PriceTable }> {
  const { prices } = ports;
  const leaseSeconds = hoursToSeconds(request.durationHours);
  let fills: Fill[];
  try {
    fills = await fillsOf(ports.catalog, request, shape);
  } catch (error) {
    // A fleet's types are read from EC2's catalog: without a budget, an outage leaves it unknown.
    if (request.budgetUsd !== undefined || !(error instanceof Ec2UnavailableError)) throw error;
    const unknown = [{ instanceType: shape.instanceType, market: "on-demand" as const, count: 1 }];
    return {
      estimate: estimateOf([unknown.map((l) => ({ ...l, usdPerHour: undefined }))], leaseSeconds),
    };
  }
  const typesIn = (market: string) => [
    ...new Set(
      fills
        .flat()
        .filter((l) => l.market === market)
        .map((l) => l.instanceType),
    ),
  ];
  const none = new Map<string, Quote>();
  // Without a budget, an outage of the price sources leaves the estimate unknown, not the create refused.
  const orNone = (quotes: Promise<Map<string, Quote>>) =>
    request.budgetUsd !== undefined
      ? quotes
      : quotes.catch((error: unknown) => {
          if (!(error instanceof PricesUnavailableError)) throw error;
          return none;
        });
  const [onDemand, spot] = await Promise.all([
    orNone(onDemandQuotes(prices, settings.prices, typesIn("on-demand"), now)),
    typesIn("spot").length > 0 ? orNone(spotQuotes(prices, typesIn("spot"), now)) : none,
  ]);
  const priced = fills.map((fill) =>
    fill.map((line) => ({
      ...line,
      ...((line.market === "spot" ? spot : onDemand).get(line.instanceType) ?? {
        usdPerHour: undefined,
        source: undefined,
      }),
    })),
  );
  const estimate = estimateOf(priced, leaseSeconds);
  if (request.budgetUsd !== undefined) checkBudget(request.budgetUsd, estimate);
  const types = new Set(fills.flat().map((line) => line.instanceType));
  const pinned = Object.entries(settings.prices ?? {}).filter(([type]) => types.has(type));
  return { estimate, ...(pinned.length > 0 ? { pinnedPrices: Object.fromEntries(pinned) } : {}) };
}
