/**
 * EC2 Query input parsing: turns `Action=…&InstanceId.1=…&Filter.1.Name=…` into the SDK's input
 * shape, guided by the operation's schema from `@aws-sdk/client-ec2` (the same model EC2 and the
 * AWS CLI use), so member names, list flattening and types match what clients send.
 */

import { NormalizedSchema } from "@smithy/core/schema";
import type { StaticOperationSchema } from "@smithy/types";
import { Ec2Error, invalidParameter } from "./errors.ts";

interface Node {
  value?: string;
  children: Map<string, Node>;
  used: boolean;
}

/** Parameters every query request may carry besides the operation's own. */
const envelope = new Set([
  "Action",
  "Version",
  "AWSAccessKeyId",
  "Signature",
  "SignatureMethod",
  "SignatureVersion",
  "Timestamp",
  "Expires",
  "SecurityToken",
]);

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 cannot carry
const xmlUnsafe = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** Reads the operation input described by `operation` from flat query parameters. */
export function parseInput(
  operation: StaticOperationSchema,
  params: URLSearchParams,
): Record<string, unknown> {
  const root = buildTree(params);
  const input = readStruct(NormalizedSchema.of(operation[4]), root, "") ?? {};
  const unused = firstUnused(root, "");
  if (unused !== undefined)
    throw new Ec2Error("UnknownParameter", `The parameter ${unused} is not recognized`);
  return input;
}

function buildTree(params: URLSearchParams): Node {
  const root: Node = { children: new Map(), used: false };
  for (const [key, value] of params) {
    if (envelope.has(key) || key.startsWith("X-Amz-")) continue;
    if (xmlUnsafe.test(value)) throw invalidParameter(`Invalid characters in parameter ${key}`);
    let node = root;
    for (const part of key.split(".")) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map(), used: false };
        node.children.set(part, child);
      }
      node = child;
    }
    node.value = value;
  }
  return root;
}

function firstUnused(node: Node, path: string): string | undefined {
  if (node.value !== undefined && !node.used) return path;
  for (const [name, child] of node.children) {
    const found = firstUnused(child, path ? `${path}.${name}` : name);
    if (found !== undefined) return found;
  }
  return undefined;
}

function queryName(memberName: string, member: NormalizedSchema): string {
  const traits = member.getMergedTraits();
  if (typeof traits.ec2QueryName === "string") return traits.ec2QueryName;
  const key = typeof traits.xmlName === "string" ? traits.xmlName : memberName;
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function readStruct(
  schema: NormalizedSchema,
  node: Node,
  path: string,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [memberName, member] of schema.structIterator()) {
    const name = queryName(memberName, member);
    const child = node.children.get(name);
    if (!child) continue;
    const value = readValue(member, child, path ? `${path}.${name}` : name);
    if (value !== undefined) {
      out[memberName] = value;
      any = true;
    }
  }
  return any || node.children.size === 0 ? out : undefined;
}

function readList(schema: NormalizedSchema, node: Node, path: string): unknown[] {
  const member = schema.getValueSchema();
  const indexes = [...node.children.keys()]
    .filter((key) => /^[1-9]\d*$/.test(key))
    .sort((a, b) => Number(a) - Number(b));
  const items: unknown[] = [];
  for (const index of indexes) {
    const child = node.children.get(index);
    if (!child) continue;
    const value = readValue(member, child, `${path}.${index}`);
    if (value !== undefined) items.push(value);
  }
  if (node.value === "") node.used = true;
  return items;
}

function readValue(schema: NormalizedSchema, node: Node, path: string): unknown {
  if (schema.isListSchema()) return readList(schema, node, path);
  if (schema.isStructSchema()) return readStruct(schema, node, path);
  if (node.value === undefined) return undefined;
  node.used = true;
  return readScalar(schema, node.value, path);
}

function readScalar(schema: NormalizedSchema, raw: string, path: string): unknown {
  if (schema.isBooleanSchema()) {
    const lower = raw.toLowerCase();
    if (lower === "true" || lower === "false") return lower === "true";
    throw invalidParameter(`Invalid value '${raw}' for boolean parameter ${path}`);
  }
  if (schema.isNumericSchema()) {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value))
      throw invalidParameter(`Invalid value '${raw}' for numeric parameter ${path}`);
    return value;
  }
  if (schema.isTimestampSchema()) {
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
    if (!Number.isFinite(value))
      throw invalidParameter(`Invalid value '${raw}' for timestamp parameter ${path}`);
    return new Date(value);
  }
  if (schema.isBlobSchema()) return Buffer.from(raw, "base64");
  return raw;
}
