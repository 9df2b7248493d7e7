/** HTTP plumbing shared by the API, metadata and control handlers. */

import type { IncomingMessage, ServerResponse } from "node:http";

const maxBody = 5 * 1024 * 1024;

/** Reads a request body's bytes (at most 5 MB). */
export async function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBody) throw new RangeError("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a request body as UTF-8 text (at most 5 MB). */
export const readBody = async (req: IncomingMessage): Promise<string> =>
  (await readBodyBytes(req)).toString("utf8");

/** Sends a complete answer. */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Sends a JSON answer. */
export const sendJson = (res: ServerResponse, status: number, value: unknown): void =>
  send(res, status, JSON.stringify(value), { "content-type": "application/json" });
