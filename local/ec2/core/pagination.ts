/** `MaxResults` / `NextToken` paging over items ordered by a stable sequence number. */

import { createHash } from "node:crypto";
import { Ec2Error, invalidValue } from "../protocol/errors.ts";

export interface PageRequest {
  MaxResults?: number;
  NextToken?: string;
}

export interface PageLimits {
  min: number;
  max: number;
}

interface Cursor {
  after: number;
  query: string;
}

/** A short digest of the request minus its paging members: a token only continues the same query. */
export function queryKey(input: object): string {
  const { MaxResults: _max, NextToken: _next, ...rest } = input as Record<string, unknown>;
  return createHash("sha256").update(JSON.stringify(rest)).digest("base64url").slice(0, 16);
}

/** Checks `MaxResults` against the operation's range (EC2: InvalidParameterValue). */
export function checkMaxResults(maxResults: number | undefined, limits: PageLimits): void {
  if (maxResults === undefined) return;
  if (!Number.isInteger(maxResults) || maxResults < limits.min || maxResults > limits.max)
    throw invalidValue(
      "maxResults",
      maxResults,
      `Expecting a value between ${limits.min} and ${limits.max}.`,
    );
}

/** One page of `items` (sorted by `seqOf`) after the request's token, and the next token if more remain. */
export function paginate<T>(
  items: T[],
  seqOf: (item: T) => number,
  request: PageRequest,
  limits: PageLimits,
): { page: T[]; nextToken?: string } {
  checkMaxResults(request.MaxResults, limits);
  const query = queryKey(request);
  const after = request.NextToken === undefined ? 0 : readToken(request.NextToken, query);
  const sorted = items.filter((item) => seqOf(item) > after).sort((a, b) => seqOf(a) - seqOf(b));
  const size = request.MaxResults ?? sorted.length;
  const page = sorted.slice(0, size);
  const last = page[page.length - 1];
  if (sorted.length <= size || last === undefined) return { page };
  const cursor: Cursor = { after: seqOf(last), query };
  return { page, nextToken: Buffer.from(JSON.stringify(cursor)).toString("base64url") };
}

function readToken(token: string, query: string): number {
  try {
    const cursor = JSON.parse(Buffer.from(token, "base64url").toString()) as Partial<Cursor>;
    if (typeof cursor.after === "number" && cursor.query === query) return cursor.after;
  } catch {
    // falls through to the EC2 error below
  }
  throw new Ec2Error(
    "InvalidPaginationToken",
    `The specified pagination token is not valid or is expired: ${token}`,
  );
}
