/** `annex status` for fleet annexes: capacity by pool (type × zone × market), and target vs fulfilled. */
import type { Annex } from "./api.ts";
import { formatRate } from "./cost-format.ts";
import { formatTable } from "./format.ts";

export const FLEET_HEADER = ["FLEET", "TYPE", "ZONE", "MARKET", "INSTANCES", "CAPACITY", "PRICE"];

/** `$0.0337/h` per instance of the pool; `-` when its price is not known. */
const price = (usdPerHour: unknown) =>
  typeof usdPerHour === "number" ? formatRate(usdPerHour) : "-";

const unitOf = (capacityUnit: string, n: number) =>
  capacityUnit === "vcpu" ? (n === 1 ? "core" : "cores") : n === 1 ? "instance" : "instances";

/** One row per pool of each live fleet annex, then its total against its target. */
export function fleetRows(annexes: readonly Annex[]): string[][] {
  return annexes.flatMap((annex) => {
    const fleet = annex.fleet;
    if (!fleet || annex.state === "ended") return [];
    const unit = (n: number) => `${n} ${unitOf(fleet.capacityUnit, n)}`;
    const instances = fleet.pools.reduce((sum, p) => sum + p.instances, 0);
    return [
      ...fleet.pools.map((p) => [
        annex.name,
        p.instanceType,
        p.availabilityZone,
        p.market,
        String(p.instances),
        unit(p.capacity),
        price(p.usdPerHour),
      ]),
      [
        annex.name,
        "(total)",
        "",
        "",
        String(instances),
        `${fleet.fulfilledCapacity} of ${unit(fleet.targetCapacity)}`,
        annex.cost?.burnUsdPerHour == null ? "" : formatRate(annex.cost.burnUsdPerHour),
      ],
    ];
  });
}

/** The capacity-by-pool table after the instance table; nothing when no fleet annex is shown. */
export function formatFleetPools(annexes: readonly Annex[]): string[] {
  const rows = fleetRows(annexes);
  return rows.length === 0 ? [] : ["", ...formatTable(FLEET_HEADER, rows)];
}
