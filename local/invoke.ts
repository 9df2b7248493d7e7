/**
 * `npm run invoke -- FUNCTION EVENT.json`: runs one function of serverless.yml on a sample event,
 * as `serverless invoke local` would, on a fresh in-memory local stack whose administrator is the
 * owner of `events/direct/setup.json`. Functions that need a set-up pool get that setup first.
 * Prints the function's answer as JSON.
 */

import { readFileSync } from "node:fs";
import { startLocalStack } from "./stack.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";

const [name, eventFile] = process.argv.slice(2);
if (name === undefined || eventFile === undefined) {
  process.stderr.write(
    "usage: npm run invoke -- FUNCTION EVENT.json   (e.g. create-annex events/direct/create-annex.json)\n",
  );
  process.exit(2);
}
let event: unknown;
try {
  event = JSON.parse(readFileSync(eventFile, "utf8"));
} catch (error) {
  process.stderr.write(`invoke: cannot read ${eventFile}: ${(error as Error).message}\n`);
  process.exit(2);
}

const setup = JSON.parse(readFileSync("events/direct/setup.json", "utf8")) as Record<
  string,
  unknown
>;
// The sample setup's invoker is the stage's administrator, as a deployment would name it.
const stack = await startLocalStack({
  awsPort: 0,
  apiPort: 0,
  inMemory: true,
  tickSeconds: 0,
  admins: [String(setup.owner)],
});
try {
  if (!["health", "setup", "check-setup"].includes(name)) {
    await stack.invoke("setup", {
      ...setup,
      defaults: { instanceType: "m5.large", imageId: "ami-0123456789abcdef0" },
    });
  }
  process.stdout.write(`${JSON.stringify(await stack.invoke(name, event), null, 2)}\n`);
} catch (error) {
  process.stderr.write(`invoke: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await stack.stop();
}
