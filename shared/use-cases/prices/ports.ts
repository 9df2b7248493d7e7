/** What price lookups work through: the stack's region, the two sources and the cache. */

import type { Log } from "../../ports/log.ts";
import type { OnDemandPriceSource, PriceCache, SpotPriceSource } from "../../ports/prices.ts";

export interface PricePorts {
  /** The region the annexes run in (the prices asked for; not where the Price List answers). */
  region: string;
  onDemandSource: OnDemandPriceSource;
  spotSource: SpotPriceSource;
  cache: PriceCache;
  log: Pick<Log, "warn">;
}
