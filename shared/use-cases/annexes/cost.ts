/**
 * Keeping an annex's spend true: re-computed from its instance records and prices after every
 * launch, termination, interruption, spot price change and lease reset — which moves its budget
 * deadline (and so its place in the enforcer's index) — with each budget mark reached audited once;
 * and settled as the final cost when the annex ends.
 */

import type { Annex, AnnexInstance } from "../../domain/annex.ts";
import { type AnnexCost, costOf, marketOf, spentBy } from "../../domain/budget.ts";
import { spendCurve } from "../../domain/cost.ts";
import { formatUsd } from "../../domain/estimate.ts";
import { PricesUnavailableError } from "../../domain/prices.ts";
import { StaleWriteError } from "../../domain/stale.ts";
import { isoFromEpoch } from "../../domain/tags.ts";
import type { Log } from "../../ports/log.ts";
import type { SpotWatchList } from "../../ports/prices.ts";
import type { AnnexRepository, InstanceRepository } from "../../ports/repositories.ts";
import type { PricePorts } from "../prices/ports.ts";
import { freshAnnex, retryOnStale } from "../retry-on-stale.ts";
import { type Billing, billingOf } from "./billing.ts";

/** What keeping the spend works through. */
export interface CostPorts {
  prices: PricePorts;
  watch: SpotWatchList;
  annexes: Pick<AnnexRepository, "getAnnex" | "saveAnnex">;
  instances: Pick<InstanceRepository, "listInstancesConsistent" | "appendEvent">;
  log: Pick<Log, "warn">;
}

/** The billing of the annex's records, or undefined (logged) when prices are unavailable. */
async function tryBilling(
  ports: CostPorts,
  annex: Annex,
  records: readonly AnnexInstance[],
  now: number,
): Promise<Billing | undefined> {
  try {
    return await billingOf(ports.prices, annex, records, now);
  } catch (error) {
    if (!(error instanceof PricesUnavailableError)) throw error;
    ports.log.warn("spend not re-computed: prices unavailable", { annexId: annex.id });
    return undefined;
  }
}

/**
 * Re-computes the spend of annex `annexId` at `now` and saves it (unless a later computation is
 * already saved); returns the annex as it stands. An ended annex keeps its final cost; one that
 * `when` declines is left as it is.
 */
export async function reviseCost(
  ports: CostPorts,
  annexId: string,
  now: number,
  when: (annex: Annex) => boolean = () => true,
): Promise<Annex | undefined> {
  const annex = await ports.annexes.getAnnex(annexId);
  if (annex === undefined || annex.state === "ended" || !when(annex)) return annex;
  const billing = await tryBilling(
    ports,
    annex,
    await ports.instances.listInstancesConsistent(annexId),
    now,
  );
  if (billing === undefined) return annex;
  const curve = spendCurve(billing.instances, now);
  const revised = await retryOnStale(
    annex,
    freshAnnex(ports.annexes),
    async (current): Promise<{ saved: Annex; reached: number[] }> => {
      if (current.state === "ended" || (current.cost?.asOf ?? 0) > now)
        return { saved: current, reached: [] };
      const next = costOf(curve, current.budgetUsd, current.cost, billing.unknownTypes);
      const cost = { ...next.cost, rates: billing.rates };
      const saved = await ports.annexes.saveAnnex({ ...current, cost }, now);
      return { saved, reached: next.reached };
    },
  ).catch(async (error: unknown) => {
    // Every attempt lost to a concurrent revision (e.g. identical creates resuming together):
    // those were computed from the same records, so theirs stands; the next change revises again.
    if (!(error instanceof StaleWriteError)) throw error;
    ports.log.warn("spend revision left to a concurrent one", { annexId });
    return { saved: (await ports.annexes.getAnnex(annexId)) ?? annex, reached: [] };
  });
  const { saved, reached } = revised;
  for (const mark of reached) await auditMark(ports, saved, mark, now);
  if (billing.spotTypes.length > 0) await ports.watch.watch(annexId, billing.spotTypes);
  return saved;
}

function auditMark(ports: CostPorts, annex: Annex, mark: number, now: number): Promise<void> {
  const budget = annex.budgetUsd ?? 0;
  return ports.instances.appendEvent({
    annexId: annex.id,
    at: now,
    type: `budget-${mark}`,
    message: `${mark}% of the ${formatUsd(budget)} budget spent (${formatUsd(annex.cost?.spentUsd ?? 0)} by ${isoFromEpoch(now)})`,
  });
}

/**
 * The final cost of an ending annex from its instance records: each billed to its end (an open
 * one to `now`). When prices are unavailable, the last spend carried forward to `now`.
 */
export async function finalCost(
  ports: CostPorts,
  annex: Annex,
  ending: readonly AnnexInstance[],
  now: number,
): Promise<AnnexCost> {
  const records = ending.map((record) => ({
    ...record,
    endedAt: Math.min(record.endedAt ?? now, now),
  }));
  const billing = await tryBilling(ports, annex, records, now);
  const curve =
    billing === undefined
      ? { spentUsd: spentBy(annex, now) ?? 0, asOf: now, accruals: [] }
      : spendCurve(billing.instances, now);
  const spotTypes = records.filter((r) => marketOf(annex, r) === "spot").map((r) => r.instanceType);
  if (spotTypes.length > 0) await ports.watch.unwatch(annex.id, [...new Set(spotTypes)]);
  const unknown = billing?.unknownTypes ?? annex.cost?.unknownTypes;
  const { cost } = costOf(curve, undefined, annex.cost, unknown);
  return { ...cost, final: true };
}
