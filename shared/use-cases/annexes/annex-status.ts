/** Status (GET /annexes, GET /annexes/{name}): DynamoDB for the annex, EC2 (read live by exact tag) for instance state. */

import type { Annex, AnnexInstance } from "../../domain/annex.ts";
import { placementOf } from "../../domain/ec2.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { parseAnnexName } from "../../domain/requests/common.ts";
import { ANNEX_TAG_KEYS, type AnnexView, presentAnnex } from "../../domain/tags.ts";
import type { Ec2Instance } from "../../ports/ec2.ts";
import type { AnnexPorts } from "./ports.ts";

type StatusPorts = Pick<AnnexPorts, "annexes" | "instances" | "ec2" | "log">;

/**
 * The caller's annex called `name`, or NotFound (also when it is another owner's). From here on
 * the invocation's log lines carry its id.
 */
export async function findOwnAnnex(
  ports: Pick<AnnexPorts, "annexes" | "log">,
  owner: string,
  name: string,
): Promise<Annex> {
  const annex = await ports.annexes.findByName(owner, parseAnnexName(name));
  if (annex === undefined) throw new NotFoundError(`no annex named "${name}"`);
  ports.log.about({ annexId: annex.id });
  return annex;
}

/** One annex with its live instances and audit trail. */
export async function getAnnexStatus(
  ports: StatusPorts,
  owner: string,
  name: string,
  now: number,
): Promise<AnnexView> {
  return describeAnnex(ports, await findOwnAnnex(ports, owner, name), now);
}

/** The API view of one annex with its live instances and audit trail. */
export async function describeAnnex(
  ports: Pick<StatusPorts, "instances" | "ec2">,
  annex: Annex,
  now: number,
): Promise<AnnexView> {
  const [instances, events] = await Promise.all([
    currentInstances(ports, annex),
    ports.instances.listEvents(annex.id),
  ]);
  return presentAnnex(annex, instances, events, now);
}

/** All of the caller's annexes, with their instances (no audit trail). */
export async function listAnnexStatus(
  ports: Pick<StatusPorts, "annexes" | "instances" | "ec2">,
  owner: string,
  now: number,
): Promise<AnnexView[]> {
  const annexes = await ports.annexes.listByOwner(owner);
  // One paged DescribeInstances for all of the owner's instances, whatever the number of annexes.
  const live = annexes.some((annex) => annex.state !== "ended")
    ? await ports.ec2.findByOwner(owner)
    : [];
  return Promise.all(
    annexes.map(async (annex) => {
      const mine =
        annex.state === "ended" ? [] : live.filter((i) => i.tags[ANNEX_TAG_KEYS.id] === annex.id);
      return presentAnnex(
        annex,
        merge(annex, await ports.instances.listInstances(annex.id), mine),
        undefined,
        now,
      );
    }),
  );
}

/** The annex's instances: EC2's state for every instance tagged with its id, merged with what we recorded. */
export async function currentInstances(
  ports: Pick<StatusPorts, "instances" | "ec2">,
  annex: Annex,
): Promise<AnnexInstance[]> {
  const [records, live] = await Promise.all([
    ports.instances.listInstances(annex.id),
    annex.state === "ended" ? Promise.resolve([]) : ports.ec2.findByAnnex(annex.id),
  ]);
  return merge(annex, records, live);
}

function merge(annex: Annex, records: AnnexInstance[], live: Ec2Instance[]): AnnexInstance[] {
  const byId = new Map(records.map((record) => [record.instanceId, record]));
  for (const instance of live) {
    const record = byId.get(instance.id);
    byId.set(
      instance.id,
      record
        ? { ...placementOf(instance), ...record, ec2State: instance.state }
        : {
            annexId: annex.id,
            instanceId: instance.id,
            instanceType: instance.type,
            ec2State: instance.state,
            launchedAt: instance.launchedAt,
            ...placementOf(instance),
            version: 0,
          },
    );
  }
  return [...byId.values()];
}
