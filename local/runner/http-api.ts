/**
 * The local HTTP API: what API Gateway (HTTP API, payload v2) does in AWS. It matches routes
 * from serverless.yml, builds v2 events, and stands in for the IAM authorizer by taking the
 * caller from the `x-annex-owner` header — a header only this local runner accepts.
 */

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../ec2/protocol/http.ts";
import { LOCAL_ACCOUNT, localUserArn } from "./iam.ts";
import type { Invoker } from "./invoke.ts";
import type { FunctionDefinition, HttpRoute } from "./service-definition.ts";

export const LOCAL_OWNER_HEADER = "x-annex-owner";
const DEFAULT_OWNER = "local-user";

interface CompiledRoute extends HttpRoute {
  functionName: string;
  pattern: RegExp;
  paramNames: string[];
}

export interface LocalHttpApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Serves the HTTP routes of `functions` on loopback `port` (0 = any free port). */
export async function startHttpApi(
  functions: FunctionDefinition[],
  invoker: Invoker,
  port: number,
): Promise<LocalHttpApi> {
  const routes = functions.flatMap((fn) => fn.http.map((route) => compile(fn.name, route)));
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (Number(req.headers["content-length"] ?? 0) > PAYLOAD_LIMIT) return tooLarge(req, res);
      let body: string;
      try {
        body = await readBody(req);
      } catch (error) {
        if (error instanceof RangeError) return tooLarge(req, res);
        throw error;
      }
      const url = new URL(req.url ?? "/", "http://local");
      const match = findRoute(routes, req.method ?? "GET", url.pathname);
      if (match === undefined) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: { code: "NotFound", message: `no route for ${req.method} ${url.pathname}` },
          }),
        );
        return;
      }
      const event = toEvent(req, url, body, match.route, match.params);
      if (event === undefined) {
        res.writeHead(403, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "Forbidden" }));
        return;
      }
      const result = (await invoker.invoke(match.route.functionName, event)) as {
        statusCode: number;
        headers?: Record<string, string>;
        body?: string;
      };
      res.writeHead(result.statusCode, result.headers ?? {});
      res.end(result.body ?? "");
    })().catch((error: unknown) => {
      process.stderr.write(
        `local API: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "Internal Server Error" }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Bodies the local API takes at most: Lambda's synchronous payload limit is 6 MB, and the local
 * AWS's bounded reader stops at 5 MB, so the local runner answers larger ones as API Gateway
 * does (413 Request Entity Too Large) without invoking anything.
 */
const PAYLOAD_LIMIT = 5 * 1024 * 1024;

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(413, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify({ message: "Request Entity Too Large" }));
}

function compile(functionName: string, route: HttpRoute): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace(/\{(\w+)\}/g, (_, name: string) => {
      paramNames.push(name);
      return "([^/]+)";
    });
  return { ...route, functionName, pattern: new RegExp(`^${source}$`), paramNames };
}

function findRoute(routes: CompiledRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match === null) continue;
    const params = Object.fromEntries(
      route.paramNames.map((name, i) => [name, match[i + 1] ?? ""]),
    );
    return { route, params };
  }
  return undefined;
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  body: string,
  route: CompiledRoute,
  params: Record<string, string>,
) {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
  );
  let authorizer: object | undefined;
  if (route.iam) {
    const owner = headers[LOCAL_OWNER_HEADER] || DEFAULT_OWNER;
    if (!/^[A-Za-z0-9._@+=,-]{1,64}$/.test(owner)) return undefined;
    authorizer = {
      iam: {
        accessKey: "LOCAL",
        accountId: LOCAL_ACCOUNT,
        callerId: owner,
        principalOrgId: null,
        userArn: localUserArn(owner),
        userId: owner,
        cognitoIdentity: null,
      },
    };
  }
  const now = Date.now();
  return {
    version: "2.0",
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters: route.paramNames.length > 0 ? params : undefined,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer,
      domainName: headers.host ?? "127.0.0.1",
      domainPrefix: "local",
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body: body.length > 0 ? body : undefined,
    isBase64Encoded: false,
  };
}
