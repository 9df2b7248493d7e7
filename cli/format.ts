/** Pure text formatting for status tables, ClassAd-style listings and the audit trail. */
import type { Annex, AnnexEvent, Instance } from "./api.ts";
import { formatBudget, formatCost } from "./cost-format.ts";
import { formatFleetPools } from "./format-fleet.ts";

/** A span of seconds, compactly: `<1m`, `47m`, `1h05m`, `2d03h`. */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return "<1m";
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, "0")}h`;
}

/** An ISO timestamp as `2026-01-01 10:00:00 UTC`; anything unparsable is shown as given. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Seconds of lease left, from the answer or from the expiry. */
export function leaseSecondsLeft(annex: Annex, now: number): number | undefined {
  if (annex.leaseRemainingSeconds != null) return annex.leaseRemainingSeconds;
  if (!annex.leaseExpiresAt) return undefined;
  const expiry = Date.parse(annex.leaseExpiresAt);
  return Number.isNaN(expiry) ? undefined : (expiry - now) / 1000;
}

/** The LEASE LEFT cell: time left, or why the annex is over. */
export function formatLeaseLeft(annex: Annex, now: number): string {
  if (annex.state === "ended") return `ended (${annex.endReason ?? "unknown"})`;
  if (annex.state === "stopping") return "stopping";
  const left = leaseSecondsLeft(annex, now);
  if (left === undefined) return "-";
  return left <= 0 ? "expired" : formatSpan(left);
}

/** The IDLE SINCE cell: how long an instance has been idle, `-` if busy or unknown. */
export function formatIdleSince(instance: Instance, now: number): string {
  if (!instance.idleSince) return "-";
  const since = Date.parse(instance.idleSince);
  if (Number.isNaN(since)) return instance.idleSince;
  return `${formatSpan((now - since) / 1000)} ago`;
}

/** Left-aligned columns separated by two spaces, without trailing blanks. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export const STATUS_HEADER = [
  "NAME",
  "INSTANCE",
  "TYPE",
  "STATE",
  "JOINED",
  "IDLE SINCE",
  "LEASE LEFT",
  "COST",
  "BUDGET",
];

/**
 * One row per instance of a live annex, the annex's COST and BUDGET on its first. An annex without
 * instances, or one that ended (whose instances the service terminated: `annex history` tells
 * which), gets one row with its state.
 */
export function statusRows(annexes: Annex[], now: number): string[][] {
  return annexes.flatMap((annex) => {
    const lease = formatLeaseLeft(annex, now);
    const money = [formatCost(annex), formatBudget(annex)];
    const instances = annex.state === "ended" ? [] : (annex.instances ?? []);
    if (instances.length === 0) {
      const state = `(${annex.state})`;
      return [[annex.name, "-", annex.instanceType ?? "-", state, "-", "-", lease, ...money]];
    }
    // COST and BUDGET are the annex's: on its first row only, so no instance seems to cost it all.
    return instances.map((instance, i) => [
      annex.name,
      instance.id,
      instance.type ?? annex.instanceType ?? "-",
      instance.state,
      instance.joined ? "yes" : "no",
      formatIdleSince(instance, now),
      lease,
      ...(i === 0 ? money : ["", ""]),
    ]);
  });
}

/** `2 annexes (1 ended), 3 instances: 2 running, 1 pending.` Ended annexes count no instances. */
export function statusSummary(annexes: Annex[]): string {
  const counts = new Map<string, number>();
  const live = annexes.filter((annex) => annex.state !== "ended");
  for (const instance of live.flatMap((a) => a.instances ?? [])) {
    counts.set(instance.state, (counts.get(instance.state) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const ended = annexes.length - live.length;
  const head = `${plural(annexes.length, "annex", "annexes")}${ended > 0 ? ` (${ended} ended)` : ""}, ${plural(total, "instance")}`;
  if (total === 0) return `${head}.`;
  const parts = [...counts.entries()]
    .sort(([a], [b]) => stateRank(a) - stateRank(b) || a.localeCompare(b))
    .map(([state, n]) => `${n} ${state}`);
  return `${head}: ${parts.join(", ")}.`;
}

const STATE_ORDER = ["pending", "running", "stopping", "shutting-down", "stopped", "terminated"];
function stateRank(state: string): number {
  const i = STATE_ORDER.indexOf(state);
  return i < 0 ? STATE_ORDER.length : i;
}

/** `1 instance`, `2 instances`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The whole `annex status` text: table, blank line, summary, and how many ended ones are hidden. */
export function formatStatus(annexes: Annex[], now: number, hiddenEnded = 0): string[] {
  const hidden =
    hiddenEnded > 0
      ? [
          `${plural(hiddenEnded, "ended annex", "ended annexes")} not shown ('annex status --all' lists them).`,
        ]
      : [];
  if (annexes.length === 0)
    return [hiddenEnded > 0 ? "No live annexes." : "No annexes.", ...hidden];
  return [
    ...formatTable(STATUS_HEADER, statusRows(annexes, now)),
    ...formatFleetPools(annexes),
    "",
    statusSummary(annexes),
    ...hidden,
  ];
}

function classadValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(String(value));
}

/** One ClassAd-like long form per instance (`-classad`), blank line between them. */
export function formatClassAds(annexes: Annex[]): string[] {
  const ads: string[][] = [];
  for (const annex of annexes) {
    const common: Array<[string, unknown]> = [
      ["AnnexName", annex.name],
      ["AnnexId", annex.id],
      ["AnnexState", annex.state],
      ...(annex.endReason ? [["AnnexEndReason", annex.endReason] as [string, unknown]] : []),
      ...(annex.leaseExpiresAt
        ? [["LeaseExpiresAt", annex.leaseExpiresAt] as [string, unknown]]
        : []),
      ...(annex.cost ? [["AnnexCostUsd", annex.cost.spentUsd] as [string, unknown]] : []),
      ...(annex.budgetUsd != null
        ? [["AnnexBudgetUsd", annex.budgetUsd] as [string, unknown]]
        : []),
    ];
    const instances = annex.instances ?? [];
    if (instances.length === 0) ads.push(common.map(([k, v]) => `${k} = ${classadValue(v)}`));
    for (const instance of instances) {
      const attrs: Array<[string, unknown]> = [
        ...common,
        ["InstanceID", instance.id],
        ["InstanceType", instance.type ?? annex.instanceType ?? ""],
        ["State", instance.state],
        ["Joined", instance.joined ?? false],
        ...(instance.launchedAt ? [["LaunchTime", instance.launchedAt] as [string, unknown]] : []),
        ...(instance.idleSince ? [["IdleSince", instance.idleSince] as [string, unknown]] : []),
      ];
      ads.push(attrs.map(([k, v]) => `${k} = ${classadValue(v)}`));
    }
  }
  return ads.flatMap((ad, i) => (i === 0 ? ad : ["", ...ad]));
}

/** The audit trail, oldest first: time, event type, message, instance ids. */
export function formatHistory(annex: Annex): string[] {
  const events: AnnexEvent[] = annex.events ?? [];
  if (events.length === 0) return [`No events recorded for annex ${annex.name}.`];
  const rows = events.map((event) => [
    formatTime(event.at),
    event.type,
    [event.message ?? "", event.instanceIds?.length ? `(${event.instanceIds.join(", ")})` : ""]
      .filter(Boolean)
      .join(" "),
  ]);
  return formatTable(["TIME", "EVENT", "DETAILS"], rows);
}
