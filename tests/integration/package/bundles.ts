/** What a packaged function can call: the AWS SDK operations its zipped bundle contains. */

import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";

/** The SDK clients' service ids, as IAM names the services. */
const IAM_PREFIX: Record<string, string> = {
  AmazonEC2: "ec2",
  DynamoDB_20120810: "dynamodb",
  AmazonS3: "s3",
  AWSIdentityManagementV20100508: "iam",
  AWSGirApiService: "lambda",
  AWSSecurityTokenServiceV20110615: "sts",
  AmazonSQS: "sqs",
  AWSPriceListService: "pricing",
};

/** The files of a zip, by path. */
export const filesOf = (zipPath: string): Record<string, Uint8Array> =>
  unzipSync(readFileSync(zipPath));

/**
 * `service:Operation` for every SDK command in the bundle. Each client's commands are built by a
 * builder made once per client (`makeBuilder(params, "AmazonEC2", "EC2Client", …)`) and each
 * command class names its operation (`class extends builder(ep, mw, "RunInstances", schema)`);
 * both string literals survive minification.
 */
export function operationsIn(code: string): Set<string> {
  const builders = new Map<string, string>();
  for (const m of code.matchAll(/([\w$]+)=[\w$]+\([\w$]+,"(\w+)","\w+Client"/g))
    builders.set(m[1] as string, IAM_PREFIX[m[2] as string] ?? (m[2] as string));
  const operations = new Set<string>();
  for (const m of code.matchAll(/extends ([\w$]+)\([\w$]+,[\w$]+,"(\w+)"/g)) {
    const service = builders.get(m[1] as string);
    if (service !== undefined) operations.add(`${service}:${m[2]}`);
  }
  return operations;
}

/** The operations of every JavaScript module in a function's zip. */
export function operationsOfZip(zipPath: string): Set<string> {
  const decoder = new TextDecoder();
  const operations = new Set<string>();
  for (const [path, bytes] of Object.entries(filesOf(zipPath)))
    if (/\.m?js$/.test(path))
      for (const op of operationsIn(decoder.decode(bytes))) operations.add(op);
  return operations;
}
