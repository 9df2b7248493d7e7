/**
 * The ways an EC2 Fleet annex may be filled, for its estimate: its spot share and its on-demand
 * share each by any of its types (listed, or matching its vCPU/memory ranges), in whole instances
 * of that type's weight. What may fall back from spot to on-demand is counted at on-demand prices.
 */

import type { PricedLine } from "../../domain/estimate.ts";
import { type FleetAsk, marketShares, weightOf } from "../../domain/fleet.ts";
import type { AnnexPorts } from "./ports.ts";

/** One way a request may be filled, before pricing. */
export type Fill = Array<Omit<PricedLine, "usdPerHour" | "source">>;

/** Each type the fleet may launch, with the capacity one instance of it counts for. */
async function weightsOf(
  catalog: AnnexPorts["catalog"],
  ask: FleetAsk,
): Promise<Array<[string, number]>> {
  if (ask.weights !== undefined) return Object.entries(ask.weights);
  if (ask.requirements === undefined) return [];
  const infos = await catalog.instanceTypes(await catalog.typesMatching(ask.requirements));
  return infos.map((info) => [info.instanceType, weightOf(ask, info.instanceType, info.vcpus)]);
}

/** Every pairing of a type for the spot share with a type for the on-demand share. */
export async function fleetFills(catalog: AnnexPorts["catalog"], ask: FleetAsk): Promise<Fill[]> {
  const shares = marketShares(ask);
  const weights = await weightsOf(catalog, ask);
  const spotMarket = ask.onDemandFallback ? "on-demand" : "spot";
  const linesFor = (units: number, market: "spot" | "on-demand") =>
    units === 0
      ? [undefined]
      : weights.map(([instanceType, weight]) => ({
          instanceType,
          market,
          count: Math.ceil(units / weight),
        }));
  return linesFor(shares.spot, spotMarket).flatMap((spot) =>
    linesFor(shares["on-demand"], "on-demand").map((onDemand) =>
      [spot, onDemand].filter((line) => line !== undefined),
    ),
  );
}
