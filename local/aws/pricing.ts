/**
 * The AWS Price List Query API for the local endpoint (JSON 1.1, `AWSPriceListService.*`):
 * `GetProducts`, `DescribeServices` and `GetAttributeValues` over the EC2 products of
 * `price-list.ts`, with filters (TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF) and paging.
 */

import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { readBody } from "../ec2/protocol/http.ts";
import { ec2Products, type Product, priceListEntry } from "./price-list.ts";

export interface PricingDependencies {
  /** The Linux on-demand price of a type in a region (EC2's pinned price in its own region). */
  linuxPrice(type: string, region: string): number | undefined;
}

class PricingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const page = {
  NextToken: z.string().optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
};
const format = z.literal("aws_v1").optional();
const filter = z.object({
  Type: z.enum(["TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF"]),
  Field: z.string().min(1),
  Value: z.string(),
});
const schemas = {
  GetProducts: z.object({
    ServiceCode: z.string().min(1),
    Filters: z.array(filter).optional(),
    FormatVersion: format,
    ...page,
  }),
  DescribeServices: z.object({
    ServiceCode: z.string().optional(),
    FormatVersion: format,
    ...page,
  }),
  GetAttributeValues: z.object({
    ServiceCode: z.string().min(1),
    AttributeName: z.string().min(1),
    ...page,
  }),
};
type Action = keyof typeof schemas;

/** A field's value: `ServiceCode`, `productFamily`, `sku`, or a product attribute. */
function fieldOf(p: Product, field: string): string | undefined {
  if (field.toLowerCase() === "servicecode") return "AmazonEC2";
  if (field === "productFamily") return "Compute Instance";
  if (field === "sku") return p.sku;
  return p.attributes[field];
}

function matches(p: Product, f: z.infer<typeof filter>): boolean {
  const value = fieldOf(p, f.Field);
  const values = f.Value.split(",").map((v) => v.trim());
  if (f.Type === "NONE_OF") return value === undefined || !values.includes(value);
  if (value === undefined) return false;
  if (f.Type === "CONTAINS") return value.includes(f.Value);
  if (f.Type === "ANY_OF") return values.includes(value);
  return value === f.Value;
}

/** One page of `items`; a token only continues the query it came from. */
function paged<T>(items: T[], input: { NextToken?: string; MaxResults?: number }, query: unknown) {
  const key = createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 12);
  let offset = 0;
  if (input.NextToken !== undefined) {
    const [tokenKey, at] = Buffer.from(input.NextToken, "base64url").toString().split(":");
    offset = Number(at);
    if (tokenKey !== key || !Number.isInteger(offset) || offset < 0)
      throw new PricingError(
        "InvalidNextTokenException",
        "The pagination token is invalid. Try again without a pagination token.",
      );
  }
  const size = input.MaxResults ?? 100;
  const next =
    offset + size < items.length
      ? Buffer.from(`${key}:${offset + size}`).toString("base64url")
      : undefined;
  return { items: items.slice(offset, offset + size), NextToken: next };
}

function ec2Only(serviceCode: string): void {
  if (serviceCode !== "AmazonEC2")
    throw new PricingError(
      "NotFoundException",
      `The local Price List serves AmazonEC2 only, not ${serviceCode}.`,
    );
}

function answer(action: Action, input: Record<string, unknown>, deps: PricingDependencies): object {
  const products = () => ec2Products(deps.linuxPrice);
  const { NextToken: _token, MaxResults: _max, ...query } = input;
  if (action === "GetProducts") {
    const i = schemas.GetProducts.parse(input);
    ec2Only(i.ServiceCode);
    const found = products().filter((p) => (i.Filters ?? []).every((f) => matches(p, f)));
    const { items, NextToken } = paged(found, i, query);
    return { FormatVersion: "aws_v1", PriceList: items.map(priceListEntry), NextToken };
  }
  if (action === "DescribeServices") {
    const i = schemas.DescribeServices.parse(input);
    const names = Object.keys(products()[0]?.attributes ?? {}).sort();
    const services =
      i.ServiceCode === undefined || i.ServiceCode === "AmazonEC2"
        ? [{ ServiceCode: "AmazonEC2", AttributeNames: names }]
        : [];
    const { items, NextToken } = paged(services, i, query);
    return { FormatVersion: "aws_v1", Services: items, NextToken };
  }
  const i = schemas.GetAttributeValues.parse(input);
  ec2Only(i.ServiceCode);
  const values = [...new Set(products().flatMap((p) => fieldOf(p, i.AttributeName) ?? []))].sort();
  const { items, NextToken } = paged(values, i, query);
  return { AttributeValues: items.map((Value) => ({ Value })), NextToken };
}

function send(res: ServerResponse, status: number, body: object, errorType?: string): void {
  const headers: Record<string, string> = {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-requestid": randomUUID(),
  };
  if (errorType) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

/** Answers one Price List request (the router chose service `pricing`). */
export async function handlePricing(
  req: IncomingMessage,
  res: ServerResponse,
  deps: PricingDependencies,
): Promise<void> {
  try {
    const target = String(req.headers["x-amz-target"] ?? "");
    const action = target.replace(/^AWSPriceListService\./, "");
    if (!target.startsWith("AWSPriceListService.") || !(action in schemas))
      throw new PricingError(
        "UnknownOperationException",
        `The local Price List does not serve '${target}'.`,
      );
    let input: unknown;
    try {
      input = JSON.parse((await readBody(req)) || "{}");
    } catch {
      throw new PricingError("SerializationException", "The request body is not JSON.");
    }
    if (typeof input !== "object" || input === null || Array.isArray(input))
      throw new PricingError("SerializationException", "The request body must be a JSON object.");
    send(res, 200, answer(action as Action, input as Record<string, unknown>, deps));
  } catch (error) {
    const known =
      error instanceof PricingError
        ? error
        : error instanceof z.ZodError
          ? new PricingError(
              "InvalidParameterException",
              error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`).join("; "),
            )
          : error instanceof RangeError
            ? new PricingError("SerializationException", "The request body is too large.", 413)
            : undefined;
    if (!known) throw error;
    send(res, known.status, { __type: known.code, Message: known.message }, known.code);
  }
}
