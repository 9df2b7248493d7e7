/** check-setup (GET /setup): each component OK or missing, with what to do about it. Changes nothing. */

import { FALLBACK_INSTANCE_TYPE } from "../../domain/settings.ts";
import {
  type ComponentName,
  instanceProofProblem,
  LABELS,
  type SetupPorts,
} from "./setup-components.ts";

export interface CheckedComponent {
  name: ComponentName;
  label: string;
  status: "ok" | "missing";
  hint?: string;
}

const DEPLOY = "deploy the stack: npx osls deploy --stage <stage> (see README, Deploying)";
const RUN_SETUP = "run `annex setup` (POST /setup)";

/** Checks every component; `ok` only when all are. */
export async function checkSetup(ports: SetupPorts): Promise<{
  ok: boolean;
  components: CheckedComponent[];
  /** What a create gets when it names no instance type or image (nothing secret). */
  defaults: { instanceType: string; imageId?: string };
  /** The pool's budgets (default and maximum) and the on-demand prices setup pinned. */
  money: { defaultBudgetUsd?: number; maxBudgetUsd?: number; prices?: Record<string, number> };
}> {
  const { names, store, deployment, network } = ports;
  const proofProblem = instanceProofProblem(ports.instanceProof);
  const settings = await store.getSettings();
  const missingFunctions = await deployment.missingFunctions(names.functions);
  const groups = settings?.securityGroupIds ?? [];
  const groupsExist =
    groups.length > 0 &&
    (await Promise.all(groups.map((id) => network.groupExists(id)))).every(Boolean);
  const checks: Array<[ComponentName, boolean, string]> = [
    ["config-bucket", await store.bucketExists(), `bucket ${store.bucket} not found: ${DEPLOY}`],
    [
      "state-table",
      await deployment.tableExists(names.table),
      `table ${names.table} not found: ${DEPLOY}`,
    ],
    [
      "lambda-functions",
      missingFunctions.length === 0,
      `functions not found (${missingFunctions.join(", ")}): ${DEPLOY}`,
    ],
    [
      "instance-profile",
      (await deployment.instanceProfileArn(names.instanceProfile)) !== undefined,
      `instance profile ${names.instanceProfile} not found: ${DEPLOY}`,
    ],
    ["instance-proof", proofProblem === undefined, proofProblem ?? ""],
    ["security-group", groupsExist, `no security group for instances: ${RUN_SETUP} with allowCidr`],
    [
      "pool-settings",
      settings !== undefined &&
        (await store.getPoolSecret()) !== undefined &&
        (await store.getHeartbeatKey()) !== undefined,
      `pool settings or secrets not stored: ${RUN_SETUP} with collectorHost and poolPassword or poolToken`,
    ],
  ];
  const components = checks.map(
    ([name, ok, hint]): CheckedComponent =>
      ok
        ? { name, label: LABELS[name], status: "ok" }
        : { name, label: LABELS[name], status: "missing", hint },
  );
  return {
    ok: components.every((component) => component.status === "ok"),
    components,
    defaults: {
      instanceType: settings?.defaults.instanceType ?? FALLBACK_INSTANCE_TYPE,
      imageId: settings?.defaults.imageId,
    },
    money: {
      defaultBudgetUsd: settings?.limits.defaultBudgetUsd,
      maxBudgetUsd: settings?.limits.maxBudgetUsd,
      prices: settings?.prices,
    },
  };
}
