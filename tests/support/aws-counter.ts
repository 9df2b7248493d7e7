/**
 * A counting proxy in front of the local AWS: the stack's AWS_ENDPOINT_URL points here, so every
 * call the handlers make is counted by service and action (S3: method and key) on its way through.
 */

import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface AwsCounter {
  url: string;
  /** Calls by `service:action`, e.g. `s3:GET pool/secrets/heartbeat-key`, `dynamodb:GetItem`. */
  counts: Map<string, number>;
  /** Calls whose key starts with `prefix` (e.g. `s3:`). */
  total(prefix: string): number;
  close(): Promise<void>;
}

function nameOf(req: IncomingMessage, body: string): string {
  const service =
    /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ??
    "other";
  if (service === "s3") {
    const key = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)
      .split("/")
      .slice(2);
    return `s3:${req.method} ${key.join("/")}`;
  }
  const target = String(req.headers["x-amz-target"] ?? "").split(".")[1];
  return `${service}:${target ?? new URLSearchParams(body).get("Action") ?? ""}`;
}

/** Starts the counter on a free port, forwarding to `target`. */
export async function startAwsCounter(target: string): Promise<AwsCounter> {
  const to = new URL(target);
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const name = nameOf(req, body.toString("utf8"));
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const out = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on("error", () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    total: (prefix) =>
      [...counts].filter(([name]) => name.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
