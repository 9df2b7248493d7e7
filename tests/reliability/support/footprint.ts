/**
 * Everything a request could have written, read back from AWS's own state: every DynamoDB item,
 * every S3 object (with its ETag), every EC2 instance (state and tags), spot fleet request,
 * security group (with its rules) and key pair. Two footprints are equal when nothing was written.
 */

import { ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSpotFleetRequestsCommand,
} from "@aws-sdk/client-ec2";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { LOCAL_NAMES } from "../../../local/stack.ts";
import { dynamoDbAt, ec2At, s3At } from "../../support/sdk.ts";
import type { Harness } from "./harness.ts";

export interface Footprint {
  items: string[];
  objects: string[];
  instances: string[];
  fleets: string[];
  groups: string[];
  keyPairs: string[];
}

const clients = new WeakMap<Harness, ReturnType<typeof clientsFor>>();
const clientsFor = (h: Harness) => ({
  dynamodb: dynamoDbAt(h.readEndpoint),
  s3: s3At(h.readEndpoint),
  ec2: ec2At(h.readEndpoint),
});

/**
 * Reads the footprint from the local AWS (not through the handlers' tap), once the handlers'
 * calls in flight (EC2 events are delivered asynchronously) have settled.
 */
export async function footprint(h: Harness): Promise<Footprint> {
  // Transitions due now happen first (they emit events whose handler writes), then settle.
  h.stack.aws.ec2.control.tick();
  await h.tap.idle();
  let c = clients.get(h);
  if (c === undefined) {
    c = clientsFor(h);
    clients.set(h, c);
  }
  const items: string[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await c.dynamodb.send(
      new ScanCommand({ TableName: LOCAL_NAMES.table, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) items.push(JSON.stringify(sortKeys(item)));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  const objects = await c.s3.send(new ListObjectsV2Command({ Bucket: LOCAL_NAMES.bucket }));
  const fleets = await c.ec2.send(new DescribeSpotFleetRequestsCommand({}));
  const groups = await c.ec2.send(new DescribeSecurityGroupsCommand({}));
  const keys = await c.ec2.send(new DescribeKeyPairsCommand({}));
  return {
    items: items.sort(),
    objects: (objects.Contents ?? []).map((o) => `${o.Key} ${o.ETag}`).sort(),
    instances: h.stack.aws.ec2.control
      .instances()
      .map((i) => `${i.instanceId} ${i.state} ${JSON.stringify(sortKeys(i.tags))}`)
      .sort(),
    fleets: (fleets.SpotFleetRequestConfigs ?? [])
      .map((f) => `${f.SpotFleetRequestId} ${f.SpotFleetRequestState}`)
      .sort(),
    groups: (groups.SecurityGroups ?? [])
      .map((g) => `${g.GroupId} ${JSON.stringify(g.IpPermissions ?? [])}`)
      .sort(),
    keyPairs: (keys.KeyPairs ?? []).map((k) => k.KeyName ?? "").sort(),
  };
}

/** What differs between two footprints: `items: +1 -0`, … (empty when nothing was written). */
export function changes(before: Footprint, after: Footprint): string[] {
  return (Object.keys(before) as Array<keyof Footprint>).flatMap((part) => {
    const was = new Set(before[part]);
    const now = new Set(after[part]);
    const added = after[part].filter((entry) => !was.has(entry));
    const removed = before[part].filter((entry) => !now.has(entry));
    if (added.length === 0 && removed.length === 0) return [];
    return [`${part}: +${added.length} -${removed.length} (${[...added, ...removed][0]})`];
  });
}

function sortKeys<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) as T;
}
