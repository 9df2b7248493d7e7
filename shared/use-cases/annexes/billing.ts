/**
 * An annex's instances as EC2 bills them: each record with its start, end and the prices in force
 * while it ran — the on-demand price of its type (pinned or from the Price List), or the spot
 * history of its type in its zone. Types with no known price are reported, not counted.
 */

import type { Annex, AnnexInstance } from "../../domain/annex.ts";
import { marketOf } from "../../domain/budget.ts";
import type { BilledInstance } from "../../domain/cost.ts";
import type { Market } from "../../domain/fleet.ts";
import { type PricePoint, priceAt, rateKey } from "../../domain/prices.ts";
import { onDemandQuotes } from "../prices/on-demand.ts";
import type { PricePorts } from "../prices/ports.ts";
import { spotHistories, type ZoneHistories } from "../prices/spot.ts";

/** The annex's billed instances, the types it could not price, and the types it runs on spot. */
export interface Billing {
  instances: BilledInstance[];
  unknownTypes: string[];
  spotTypes: string[];
  /** USD per hour now of each pool (`rateKey`) its records run in. */
  rates: Record<string, number>;
}

/** A zone's history, or (zone unknown) the history of the zone dearest now. */
function historyIn(zones: ZoneHistories, zone: string | undefined, now: number): PricePoint[] {
  if (zone !== undefined && zones[zone] !== undefined) return zones[zone];
  const dearest = (h: PricePoint[]) => priceAt(h, now) ?? 0;
  return Object.values(zones).sort((a, b) => dearest(b) - dearest(a))[0] ?? [];
}

/** Prices every record of `annex` at `now`. */
export async function billingOf(
  ports: PricePorts,
  annex: Pick<Annex, "kind" | "pinnedPrices">,
  records: readonly AnnexInstance[],
  now: number,
): Promise<Billing> {
  const typesOf = (market: Market) => [
    ...new Set(records.filter((r) => marketOf(annex, r) === market).map((r) => r.instanceType)),
  ];
  const spotTypes = typesOf("spot");
  const since = Math.min(now, ...records.map((r) => r.launchedAt));
  const [onDemand, spot] = await Promise.all([
    onDemandQuotes(ports, annex.pinnedPrices, typesOf("on-demand"), now),
    spotTypes.length > 0 ? spotHistories(ports, spotTypes, since, now) : new Map(),
  ]);
  const unknown = new Set<string>();
  const instances: BilledInstance[] = [];
  const rates: Record<string, number> = {};
  for (const record of records) {
    const market = marketOf(annex, record);
    const usd = onDemand.get(record.instanceType)?.usdPerHour;
    const prices =
      market === "spot"
        ? historyIn(spot.get(record.instanceType) ?? {}, record.availabilityZone, now)
        : usd === undefined
          ? []
          : [{ at: record.launchedAt, usdPerHour: usd }];
    const rate = priceAt(prices, now);
    if (rate !== undefined)
      rates[rateKey(record.instanceType, market, record.availabilityZone)] = rate;
    if (prices.length === 0) unknown.add(record.instanceType);
    else instances.push({ start: record.launchedAt, end: record.endedAt, prices });
  }
  return { instances, unknownTypes: [...unknown].sort(), spotTypes, rates };
}
