/**
 * Cold start of what is deployed: `npm run package` builds the zips, each is unzipped as Lambda
 * unpacks it, and a fresh Node.js process imports the handler module — the module-init part of a
 * Lambda cold start (bundle parse, client construction, config reads) — median of RUNS. Each
 * figure is printed beside its goal: functions that don't call EC2 under 500 KiB and 150 ms, the
 * ones that do (their role grants an ec2: action) under 1.2 MiB and 250 ms.
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";
import { printTable } from "./_table.ts";

const RUNS = 5;
const GOALS = {
  ec2: { kib: 1.2 * 1024, ms: 250 },
  other: { kib: 500, ms: 150 },
};
const ENV = {
  ANNEX_TABLE: "bench",
  ANNEX_BUCKET: "bench",
  ANNEX_STAGE: "bench",
  ANNEX_INSTANCE_PROFILE: "bench",
  ANNEX_INSTANCE_ROLE_ARN: "arn:aws:iam::000000000000:role/bench",
  ANNEX_SPOT_FLEET_ROLE_ARN: "arn:aws:iam::000000000000:role/bench-fleet",
  ANNEX_FUNCTION_PREFIX: "bench-",
  ANNEX_FUNCTIONS: "health",
  ANNEX_ADMINS: "",
  ANNEX_ACCOUNT_ID: "000000000000",
  ANNEX_API_URL: "https://example.invalid",
  ANNEX_SERVER_ID: "example.invalid",
  ANNEX_DUE_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/bench-due-annexes",
  ANNEX_DUE_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/000000000000/bench-due-annexes-dead",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

interface Packaged {
  name: string;
  handler: string;
  callsEc2: boolean;
}

export async function run(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), "annex-cold-"));
  try {
    execFileSync("npm", ["run", "--silent", "package", "--", "--package", join(out, "package")], {
      stdio: "pipe",
    });
    const rows = packagedFunctions(join(out, "package")).map((fn) => measure(out, fn));
    printTable(["function", "zip KiB", "bundle KiB", "goal KiB", "init ms", "goal ms", ""], rows);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The functions of the packaged template: handler module, and whether the role grants ec2:. */
function packagedFunctions(dir: string): Packaged[] {
  const template = JSON.parse(
    readFileSync(join(dir, "cloudformation-template-update-stack.json"), "utf8"),
  ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const resources = Object.values(template.Resources);
  return resources
    .filter((r) => r.Type === "AWS::Lambda::Function")
    .map((fn) => {
      const role = (fn.Properties.Role as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0];
      return {
        name: String(fn.Properties.FunctionName).replace(/^cloud-annex-[^-]+-/, ""),
        handler: String(fn.Properties.Handler),
        callsEc2: JSON.stringify(template.Resources[role]?.Properties).includes('"ec2:'),
      };
    });
}

function measure(out: string, fn: Packaged): string[] {
  const zip = join(out, "package", `${fn.name}.zip`);
  const root = join(out, "unzipped", fn.name);
  let bundleBytes = 0;
  for (const [path, bytes] of Object.entries(unzipSync(readFileSync(zip)))) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
    bundleBytes += bytes.length;
  }
  const module = join(root, `${fn.handler.slice(0, fn.handler.lastIndexOf("."))}.mjs`);
  const samples = Array.from({ length: RUNS }, () => importMs(module)).sort((a, b) => a - b);
  const median = samples[Math.floor(RUNS / 2)] ?? 0;
  const goal = fn.callsEc2 ? GOALS.ec2 : GOALS.other;
  const kib = bundleBytes / 1024;
  return [
    `${fn.name}${fn.callsEc2 ? " (EC2)" : ""}`,
    (statSync(zip).size / 1024).toFixed(0),
    kib.toFixed(0),
    `< ${goal.kib.toFixed(0)}`,
    median.toFixed(0),
    `< ${goal.ms}`,
    kib < goal.kib && median < goal.ms ? "PASS" : "MISS",
  ];
}

/** Milliseconds a fresh Node.js process takes to import `module`. */
function importMs(module: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(module)}); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, ...ENV },
  });
  return Number(output.toString());
}
