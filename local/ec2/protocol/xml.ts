/**
 * EC2 Query responses: XML written from the operation's output schema in `@aws-sdk/client-ec2`,
 * so element names (`instancesSet`, `item`, `groupSet`, …) are the ones EC2 itself sends.
 */

import { NormalizedSchema } from "@smithy/core/schema";
import type { StaticOperationSchema } from "@smithy/types";

const namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

// biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 cannot carry these characters
const unsafe = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Escapes text for XML element content, dropping characters XML cannot represent. */
export const escapeXml = (text: string): string =>
  text.replace(unsafe, "").replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The `<ActionResponse>` document for an operation's output. */
export function responseXml(
  operation: StaticOperationSchema,
  action: string,
  output: object,
  requestId: string,
): string {
  const schema = NormalizedSchema.of(operation[5]);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}"><requestId>${requestId}</requestId>`,
  ];
  if (schema.isUnitSchema()) out.push("<return>true</return>");
  else writeMembers(schema, output, out);
  out.push(`</${action}Response>`);
  return out.join("");
}

/** EC2's error document. */
export function errorXml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

type Member = [memberName: string, xmlName: string, schema: NormalizedSchema];

const membersCache = new WeakMap<object, Member[]>();

/** A structure's members with their XML names (cached per schema). */
function membersOf(schema: NormalizedSchema): Member[] {
  const key = schema.getSchema() as object;
  let members = membersCache.get(key);
  if (!members) {
    members = [...schema.structIterator()].map(([name, member]): Member => {
      const xmlName = member.getMergedTraits().xmlName;
      return [name, typeof xmlName === "string" ? xmlName : name, member];
    });
    membersCache.set(key, members);
  }
  return members;
}

function writeMembers(schema: NormalizedSchema, value: object, out: string[]): void {
  const record = value as Record<string, unknown>;
  for (const [memberName, xmlName, member] of membersOf(schema)) {
    const memberValue = record[memberName];
    if (memberValue !== undefined && memberValue !== null)
      element(xmlName, member, memberValue, out);
  }
}

function element(name: string, schema: NormalizedSchema, value: unknown, out: string[]): void {
  const start = out.length;
  out.push(`<${name}>`);
  const before = out.length;
  content(schema, value, out);
  if (out.length === before || (out.length === before + 1 && out[before] === "")) {
    out.length = start;
    out.push(`<${name}/>`);
  } else out.push(`</${name}>`);
}

function content(schema: NormalizedSchema, value: unknown, out: string[]): void {
  if (schema.isListSchema()) {
    const member = schema.getValueSchema();
    const itemName = member.getMergedTraits().xmlName;
    const name = typeof itemName === "string" ? itemName : "member";
    for (const item of value as unknown[]) element(name, member, item, out);
  } else if (schema.isStructSchema()) writeMembers(schema, value as object, out);
  else if (schema.isTimestampSchema()) out.push(timestamp(value));
  else if (schema.isBlobSchema()) out.push(Buffer.from(value as Uint8Array).toString("base64"));
  else out.push(escapeXml(String(value)));
}

function timestamp(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") return new Date(value).toISOString();
  return escapeXml(String(value));
}
