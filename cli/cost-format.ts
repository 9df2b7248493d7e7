/** The money cells of `annex status`: COST (spent so far → projected at the end) and BUDGET. */
import { formatUsd } from "../shared/domain/estimate.ts";
import type { Annex } from "./api.ts";

/**
 * `$0.12→$0.80` while it runs (spent so far, then what it comes to at its end if nothing
 * changes), `$0.45` once ended (the final cost), `-` before any spend is known; a `+` marks a
 * spend that leaves out instances with no known price.
 */
export function formatCost(annex: Annex): string {
  const cost = annex.cost;
  if (!cost) return "-";
  const partial = cost.unknownTypes?.length ? "+" : "";
  if (cost.final || annex.state === "ended") return `${formatUsd(cost.spentUsd)}${partial}`;
  const projected = cost.projectedUsd ?? cost.spentUsd;
  return `${formatUsd(cost.spentUsd)}→${formatUsd(projected, true)}${partial}`;
}

/** `$0.50 (24%)`: the budget and the share of it spent; `-` without one. */
export function formatBudget(annex: Annex): string {
  const budget = annex.budgetUsd;
  if (budget == null) return "-";
  const spent = annex.cost?.spentUsd;
  const share =
    spent === undefined || budget <= 0 ? "" : ` (${Math.floor((spent / budget) * 100)}%)`;
  return `${formatUsd(budget)}${share}`;
}

/** A price per hour to the hundredth of a cent: `$0.0337/h`. */
export const formatRate = (usdPerHour: number): string => `$${usdPerHour.toFixed(4)}/h`;
