/** What a fleet launch leaves in DynamoDB: one record per instance, and the audit trail of the fill. */

import type { Annex, AnnexEvent } from "../../domain/annex.ts";
import { type FleetAsk, type Pool, poolKey, unitName } from "../../domain/fleet.ts";
import { bootDeadline } from "../../domain/lease.ts";
import type { InstanceRepository } from "../../ports/repositories.ts";
import type { Filled, PlacedInstance } from "./fleet-capacity.ts";

/** Records launched instances with their type, zone, market, capacity, launch time and boot deadline. */
export async function recordFilled(
  ports: { instances: Pick<InstanceRepository, "addInstances"> },
  annex: Annex,
  instances: readonly PlacedInstance[],
  now: number,
  replacementFor?: string,
): Promise<void> {
  await ports.instances.addInstances(
    instances.map((i) => ({
      annexId: annex.id,
      instanceId: i.instanceId,
      instanceType: i.instanceType,
      ec2State: "pending",
      launchedAt: now,
      bootDeadline: bootDeadline(now, annex.bootGraceSeconds),
      availabilityZone: i.availabilityZone,
      market: i.market,
      capacityUnits: i.units,
      ...(replacementFor === undefined ? {} : { replacementFor }),
      version: 1,
    })),
  );
}

/** "4 c5.large spot in us-east-1a, 1 m5.large on-demand in us-east-1b". */
export function poolsPhrase(instances: ReadonlyArray<Pool>): string {
  const counts = new Map<string, { pool: Pool; n: number }>();
  for (const pool of instances) {
    const entry = counts.get(poolKey(pool)) ?? { pool, n: 0 };
    counts.set(poolKey(pool), { ...entry, n: entry.n + 1 });
  }
  return [...counts.values()]
    .map(({ pool, n }) => `${n} ${pool.instanceType} ${pool.market} in ${pool.availabilityZone}`)
    .join(", ");
}

/** The audit entries of one fill of `target` units: launched, fell back, pools short, partial. */
export async function auditFill(
  ports: { instances: Pick<InstanceRepository, "appendEvent"> },
  annex: Annex & { fleet: FleetAsk },
  filled: Filled,
  target: number,
  now: number,
  what = "launched",
): Promise<void> {
  const unit = (n: number) => `${n} ${unitName(annex.fleet.capacityUnit, n)}`;
  const { asked, got, fellBack, failedPools } = filled.outcome;
  const ids = filled.instances.map((i) => i.instanceId);
  const total = got.spot + got["on-demand"];
  const entry = (type: string, message: string, instanceIds?: string[]): AnnexEvent => ({
    annexId: annex.id,
    at: now,
    type,
    message,
    ...(instanceIds && instanceIds.length > 0 ? { instanceIds } : {}),
  });
  const events = [
    entry(
      what,
      `${what} ${ids.length} instance(s), ${unit(total)}: ${poolsPhrase(filled.instances) || "none"}`,
      ids,
    ),
    ...(fellBack > 0
      ? [
          entry(
            "fell-back",
            `spot gave ${unit(got.spot)} of ${unit(asked.spot)}: asked ${unit(fellBack)} on demand`,
          ),
        ]
      : []),
    ...(failedPools.length > 0
      ? [
          entry(
            "capacity-errors",
            `EC2 could not fill ${failedPools.map((p) => `${p.instanceType || "any type"} ${p.market} in ${p.availabilityZone} (${p.code})`).join(", ")}`,
          ),
        ]
      : []),
    ...(total < target
      ? [entry("partial-capacity", `EC2 Fleet gave ${unit(total)} of ${unit(target)}`, ids)]
      : []),
  ];
  for (const event of events) await ports.instances.appendEvent(event);
}
