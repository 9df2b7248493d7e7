/**
 * The API client: JSON over HTTP(S), SigV4-signed or carrying the local owner header,
 * retrying network errors, 429 and 5xx with backoff, and turning every failure into one of
 * the CLI's errors.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";
import {
  ApiFailedError,
  ApiRefusedError,
  ApiUnreachableError,
  type RefusedField,
} from "./errors.ts";
import type { OutgoingRequest, RequestSigner } from "./sigv4.ts";

export interface ApiClientOptions {
  baseUrl: URL;
  /** Signs each attempt (deployed stage). */
  signer?: RequestSigner;
  /** Sent as `x-annex-owner` (local stack). */
  owner?: string;
  /** Retries after the first attempt. */
  retries?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface RawResponse {
  status: number;
  body: string;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Talks to the annex API. */
export class ApiClient {
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ApiClientOptions) {
    this.retries = options.retries ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.sleep = options.sleep ?? sleepReal;
  }

  /** The URL requests go to, for messages. */
  get url(): string {
    return this.options.baseUrl.href.replace(/\/$/, "");
  }

  /** Sends one request (retrying as needed) and validates the answer against `schema`. */
  async call<T extends z.ZodTypeAny>(
    method: string,
    path: string,
    schema: T,
    body?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<z.infer<T>> {
    const url = this.urlFor(path);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let last: RawResponse | Error | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      if (attempt > 0) await this.sleep(this.backoff(attempt));
      try {
        last = await this.send(
          { method, url, headers: this.baseHeaders(text), body: text },
          timeoutMs,
        );
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        last = error;
        continue;
      }
      if (!isRetryable(last)) break;
    }
    if (last instanceof NetworkError) {
      const hint = this.options.signer ? "" : "; is the local stack running ('npm start')?";
      throw new ApiUnreachableError(
        `cannot reach the annex API at ${this.url} (${last.message})${hint}`,
      );
    }
    return parseAnswer(last as RawResponse, schema);
  }

  private urlFor(path: string): URL {
    const url = new URL(this.options.baseUrl.href);
    url.pathname = `${url.pathname.replace(/\/$/, "")}${path}`;
    return url;
  }

  private baseHeaders(body: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.options.owner !== undefined) headers["x-annex-owner"] = this.options.owner;
    return headers;
  }

  private backoff(attempt: number): number {
    const base = this.baseDelayMs * 2 ** (attempt - 1);
    return base + Math.floor(Math.random() * base * 0.5);
  }

  private async send(request: OutgoingRequest, timeoutMs: number): Promise<RawResponse> {
    const headers = this.options.signer
      ? await this.options.signer(request)
      : { ...request.headers, host: request.url.host };
    return transmit({ ...request, headers }, timeoutMs);
  }
}

class NetworkError extends Error {
  override name = "NetworkError";
}

/** One HTTP exchange over node:http(s); network trouble becomes NetworkError. */
function transmit(request: OutgoingRequest, timeoutMs: number): Promise<RawResponse> {
  const send = request.url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      request.url,
      { method: request.method, headers: request.headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", (error) => reject(new NetworkError(error.message)));
      },
    );
    req.on("timeout", () =>
      req.destroy(new NetworkError(`no answer within ${timeoutMs / 1000} s`)),
    );
    req.on("error", (error: NodeJS.ErrnoException) => {
      reject(error instanceof NetworkError ? error : new NetworkError(error.code ?? error.message));
    });
    req.end(request.body);
  });
}

/** Throttling and server errors are retried, except a definitive answer (e.g. no EC2 capacity). */
function isRetryable(response: RawResponse): boolean {
  if (response.status === 429) return true;
  if (response.status < 500) return false;
  try {
    const body = JSON.parse(response.body) as { annex?: unknown };
    return body.annex === undefined;
  } catch {
    return true;
  }
}

function parseAnswer<T extends z.ZodTypeAny>(response: RawResponse, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = response.body === "" ? {} : JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  if (response.status >= 200 && response.status < 300) {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new ApiFailedError(
      `unexpected answer from the API (HTTP ${response.status}: ${issue?.path.join(".") || "body"} ${issue?.message ?? "invalid"})`,
    );
  }
  const { code, message, issues } = errorOf(json, response.status);
  const refusal = response.status >= 400 && response.status < 500 && response.status !== 429;
  const definitive = (json as { annex?: unknown } | undefined)?.annex !== undefined;
  if (refusal || definitive) throw new ApiRefusedError(response.status, code, message, issues);
  throw new ApiFailedError(`${message} (HTTP ${response.status})`);
}

const issueList = z.array(z.object({ path: z.string(), message: z.string() }));

/** `{"error":{"code","message","issues"?}}`, or API Gateway's own `{"message"}`. */
function errorOf(
  json: unknown,
  status: number,
): { code: string; message: string; issues: RefusedField[] } {
  const body = (json ?? {}) as {
    error?: { code?: unknown; message?: unknown; issues?: unknown };
    message?: unknown;
  };
  const message = body.error?.message ?? body.message;
  const code = body.error?.code;
  const issues = issueList.safeParse(body.error?.issues);
  return {
    issues: issues.success ? issues.data : [],
    code: typeof code === "string" ? code : `HTTP${status}`,
    message:
      typeof message === "string" && message.trim() !== ""
        ? message
        : `the API answered HTTP ${status}`,
  };
}
