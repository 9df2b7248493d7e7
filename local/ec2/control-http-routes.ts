/** What the control interface's HTTP routes share: the route shape and a checked JSON body. */

import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { type Ec2Control, Ec2ControlError } from "./control.ts";
import { readBody } from "./protocol/http.ts";

export interface Request {
  control: Ec2Control;
  req: IncomingMessage;
  /** The id captured from the path, if the route has one. */
  id: string;
  certificatePem: string;
}

/** What a route answers: JSON, or PEM text. */
export type Reply = { json: unknown } | { pem: string };

export type Route = [method: string, path: RegExp, handle: (r: Request) => Reply | Promise<Reply>];

/** The request's JSON body checked against `schema` (an empty body is `{}`); 400 otherwise. */
export async function body<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const text = await readBody(req);
  let json: unknown;
  try {
    json = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new Ec2ControlError("the body is not JSON", 400);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new Ec2ControlError(
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      400,
    );
  return parsed.data;
}
