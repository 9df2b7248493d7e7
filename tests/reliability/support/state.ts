/**
 * What the invariants are checked against: AWS's own state (EC2 instances by their `annex:id`
 * tag, bundles in S3) and the annex as the API answers it to its owner.
 */

import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { LOCAL_NAMES } from "../../../local/stack.ts";
import { s3At } from "../../support/sdk.ts";
import type { Harness } from "./harness.ts";

export interface AnnexView {
  id: string;
  name: string;
  state: string;
  endReason?: string;
  leaseExpiresAt: string;
  instances: Array<{ id: string; state: string }>;
  events?: Array<{ type: string; message: string; instanceIds?: string[] }>;
}

/** The annex as its owner sees it (GET /annexes/{name}), failing the test if it is not there. */
export async function annexOf(h: Harness, name: string, owner = "alice"): Promise<AnnexView> {
  const answer = await h.call("GET", `/annexes/${name}`, { owner });
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  return answer.json?.annex as AnnexView;
}

/** Audit entries of one type. */
export const eventsOfType = (annex: AnnexView, type: string) =>
  (annex.events ?? []).filter((event) => event.type === type);

/** EC2's instances tagged for the annex (every state EC2 still shows). */
export const taggedInstances = (h: Harness, annexId: string) =>
  h.stack.aws.ec2.control.instances().filter((i) => i.tags["annex:id"] === annexId);

/** EC2's instances of the annex that are running or about to (billing). */
export const runningInstances = (h: Harness, annexId: string) =>
  taggedInstances(h, annexId).filter((i) => i.state === "pending" || i.state === "running");

const s3Clients = new WeakMap<Harness, ReturnType<typeof s3At>>();

/** The annex's objects in the config bucket (its bundle, while it lives). */
export async function bundleKeys(h: Harness, annexId: string): Promise<string[]> {
  let s3 = s3Clients.get(h);
  if (s3 === undefined) {
    s3 = s3At(h.readEndpoint);
    s3Clients.set(h, s3);
  }
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: LOCAL_NAMES.bucket, Prefix: `annexes/${annexId}/` }),
  );
  return (listed.Contents ?? []).map((object) => object.Key ?? "");
}

/** Every instance EC2 still runs (pending or running) past its annex's lease by more than `slack` seconds. */
export function overLease(
  h: Harness,
  leases: ReadonlyMap<string, number>,
  slack: number,
): string[] {
  const now = h.now();
  return h.stack.aws.ec2.control
    .instances()
    .filter((i) => i.state === "pending" || i.state === "running")
    .filter((i) => {
      const lease = leases.get(i.tags["annex:id"] ?? "");
      return lease !== undefined && now > lease + slack;
    })
    .map((i) => i.instanceId);
}

/** Epoch seconds of an ISO-8601 timestamp. */
export const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The invariants read back from EC2 and from the owners' annexes, as counts. */
export async function invariantCounts(h: Harness, owners: string[], tick = 60) {
  const annexes = (
    await Promise.all(
      owners.map(
        async (owner) =>
          ((await h.call("GET", "/annexes", { owner })).json?.annexes ?? []) as AnnexView[],
      ),
    )
  ).flat();
  const leases = new Map(
    annexes.map((a) => [a.id, a.state === "ended" ? 0 : epoch(a.leaseExpiresAt)] as const),
  );
  const bundlesOfEnded = (
    await Promise.all(annexes.filter((a) => a.state === "ended").map((a) => bundleKeys(h, a.id)))
  ).flat();
  return {
    annexes: annexes.length,
    "instances launched": h.stack.aws.ec2.control.instances().length,
    "instances over lease": overLease(h, leases, tick).length,
    "bundles of ended annexes": bundlesOfEnded.length,
  };
}
