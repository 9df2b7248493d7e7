/**
 * The enforcer's budget work. An annex due for its budget (a mark or its budget deadline came)
 * has its spend re-computed; when the budget is spent it ends `budget`, as `off` ends one. And the
 * spot price poll: at most every PRICE_REFRESH_SECONDS.spot, the spot prices of the types live
 * annexes run are fetched again, and the annexes of each type whose price moved are re-computed,
 * which moves their budget deadlines.
 */

import type { Annex } from "../domain/annex.ts";
import { isBudgetSpent } from "../domain/budget.ts";
import { isLeaseOver } from "../domain/lease.ts";
import { mapLimited } from "../domain/lists.ts";
import { PRICE_REFRESH_SECONDS } from "../domain/prices.ts";
import { isLive } from "../domain/state-machine.ts";
import { reviseCost } from "../use-cases/annexes/cost.ts";
import { endAnnex } from "../use-cases/annexes/end-annex.ts";
import type { EndPorts } from "../use-cases/annexes/ports.ts";
import { refreshSpot } from "../use-cases/prices/spot.ts";
import { type EnforcePorts, SWEEP_CONCURRENCY, type TimeLeft } from "./ports.ts";
import { recordFailure, type SweepReport } from "./report.ts";

/** Re-computes a due annex's spend and ends it `budget` if the budget is spent. */
export async function settleBudget(
  ports: EndPorts,
  annex: Annex,
  now: number,
  report: SweepReport,
): Promise<void> {
  const revised = (await reviseCost(ports, annex.id, now)) ?? annex;
  if (!isLive(revised.state) || !isBudgetSpent(revised, now)) return;
  const { annex: after, terminated } = await endAnnex(
    ports,
    revised,
    "budget",
    now,
    (fresh) => isBudgetSpent(fresh, now) && !isLeaseOver(fresh.leaseExpiresAt, now),
  );
  report.instancesTerminated.budget += terminated.length;
  if (after.state === "ended") report.annexesEnded += 1;
}

/** The spot price poll, when it is due; true (it never leaves work: what moved is revised now). */
export async function sweepSpotPrices(
  ports: EnforcePorts,
  now: number,
  _timeLeft: TimeLeft,
  report: SweepReport,
): Promise<boolean> {
  const { spotPriceAt } = await ports.annexes.sweepMarks();
  if (spotPriceAt !== undefined && now - spotPriceAt < PRICE_REFRESH_SECONDS.spot) return true;
  const watched = await ports.watch.watched();
  if (watched.size > 0) {
    const types = [...watched.keys()];
    const cached = await ports.prices.cache.spot(ports.prices.region, types);
    const moved = await refreshSpot(ports.prices, types, cached, now, now);
    report.spotTypesMoved += moved.length;
    const affected = moved.flatMap((type) => (watched.get(type) ?? []).map((id) => ({ id, type })));
    await mapLimited(affected, SWEEP_CONCURRENCY, async ({ id, type }) => {
      try {
        const annex = await reviseCost(ports, id, now);
        if (annex === undefined || !isLive(annex.state)) await ports.watch.unwatch(id, [type]);
      } catch (error) {
        recordFailure(ports, report, "re-computing a spend after a spot price change", error, {
          annexId: id,
        });
      }
    });
  }
  await ports.annexes.advanceSweepMark("spotPriceAt", now);
  return true;
}
