/**
 * The one middleware factory for API functions. A function serves both API Gateway (HTTP API,
 * payload v2) and direct `lambda:Invoke` with a plain JSON payload; it sees one `ApiRequest`
 * either way and answers an HTTP response or plain JSON to match.
 */

import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2WithIAMAuthorizer, Context } from "aws-lambda";
import { httpStatusOf, MalformedRequestError, toErrorBody } from "../../domain/errors.ts";
import { isJsonObject } from "../../domain/requests/common.ts";
import { checkJsonDepth, parseJsonText } from "./json-body.ts";
import { logger } from "./logger.ts";
import { ownerFromIam, ownerFromPayload } from "./owner.ts";

/** What a use-case sees of a call, however it arrived. */
export interface ApiRequest {
  /** The caller's identity (IAM principal ARN, or `owner` of a direct invocation); "" when the route is open. */
  owner: string;
  params: Record<string, string>;
  body: unknown;
  headers: Record<string, string | undefined>;
  /** Epoch seconds at which the call arrived: the `now` of every use-case. */
  now: number;
}

/** A use-case's answer: an HTTP status and a JSON body. */
export interface ApiReply {
  status: number;
  body: unknown;
}

export interface RouteOptions {
  /** `iam`: the caller must be known (IAM authorizer, or `owner` in a direct payload). */
  auth: "iam" | "none";
  /** Path parameters (e.g. `name`), taken from the path or from the direct payload. */
  pathParams?: string[];
  run(request: ApiRequest): Promise<ApiReply>;
}

type DirectPayload = Record<string, unknown>;
type HttpEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
type HttpResult = { statusCode: number; headers: Record<string, string>; body: string };

const isHttpEvent = (event: unknown): event is HttpEvent =>
  typeof event === "object" && event !== null && "requestContext" in event && "routeKey" in event;

/**
 * Builds the Lambda handler for one route. The logger gets the Lambda context (request id) and
 * any annex or instance keys the use-case appends; they are reset after each invocation. The
 * error handler comes last in the chain, so it logs with those keys still set.
 */
export function apiHandler(options: RouteOptions) {
  return middy<HttpEvent | DirectPayload, HttpResult | unknown, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: (request) => {
        const status = httpStatusOf(request.error);
        const body = toErrorBody(request.error);
        const fields = { status, code: body.error.code };
        // Only the unexpected is logged with the error itself; a domain error is an answer.
        if (status === 500) logger.error("request failed", { error: request.error as Error });
        else if (status > 500)
          logger.warn("request failed", { ...fields, message: body.error.message });
        else logger.info("request refused", fields);
        request.response = shape(request.event, { status, body });
      },
    })
    .handler(async (event) => {
      const reply = await options.run(toApiRequest(event, options));
      return shape(event, reply);
    });
}

function toApiRequest(event: HttpEvent | DirectPayload, options: RouteOptions): ApiRequest {
  const now = Math.floor(Date.now() / 1000);
  if (isHttpEvent(event)) {
    return {
      owner: options.auth === "iam" ? ownerFromIam(event.requestContext.authorizer?.iam) : "",
      params: Object.fromEntries(
        Object.entries(event.pathParameters ?? {}).map(([k, v]) => [k, decodePathParam(k, v)]),
      ),
      body: parseJsonBody(event),
      headers: event.headers ?? {},
      now,
    };
  }
  if (!isJsonObject(event))
    throw new MalformedRequestError("a direct invocation's payload must be a JSON object");
  checkJsonDepth(event);
  const { owner, ...rest } = event;
  if (options.auth === "iam") ownerFromPayload(owner);
  const params: Record<string, string> = {};
  for (const name of options.pathParams ?? []) {
    const value = rest[name];
    if (typeof value !== "string") throw new MalformedRequestError(`'${name}' is required`);
    params[name] = value;
    delete rest[name];
  }
  return { owner: typeof owner === "string" ? owner : "", params, body: rest, headers: {}, now };
}

function parseJsonBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === "") return {};
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, "base64").toString("utf8")
    : event.body;
  return parseJsonText(text);
}

/** A path parameter as API Gateway passes it (still percent-encoded), decoded. */
function decodePathParam(name: string, value: string | undefined): string {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    throw new MalformedRequestError(`'${name}' in the path is not valid percent-encoded UTF-8`);
  }
}

function shape(event: HttpEvent | DirectPayload, reply: ApiReply): HttpResult | unknown {
  if (!isHttpEvent(event)) return reply.body;
  return {
    statusCode: reply.status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: JSON.stringify(reply.body),
  };
}
