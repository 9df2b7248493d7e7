/**
 * End-to-end harness for the `annex` binary: a backend (the fake API for now), a recording
 * proxy in front of it that can also inject faults, and a runner that spawns `node cli/annex.js`
 * with a throwaway HOME. The proxy works with any backend, so tests observe requests the same
 * way whether they run against the fake or the local stack.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { LocalStack } from "../../../local/stack.ts";
import { startTestStack } from "../../support/stack.ts";

/** Any API the CLI can be pointed at. */
export interface Backend {
  url: string;
  stop(): Promise<void>;
}

/** The API under the e2e tests: the in-process local stack (real handlers, local AWS, EC2 emulator). */
export const startBackend = (): Promise<Backend & { stack: LocalStack }> =>
  startTestStack().then((stack) => ({ url: stack.apiUrl, stack, stop: () => stack.stop() }));

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A fault for the next matching requests: answer `status` instead, or forward then cut the line.
 * `create: true` matches only creates (POST bodies without `dryRun`), not the estimate's dry runs.
 */
export type Fault = { method?: string; path?: string; times: number; create?: boolean } & (
  | { answer: number }
  | { dropAfterForward: true }
);

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  inject(fault: Fault): void;
  /** Requests seen with this method (and path, if given). */
  seen(method: string, path?: string): RecordedRequest[];
  stop(): Promise<void>;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => done(Buffer.concat(chunks)));
    stream.on("error", fail);
  });
}

/** A loopback proxy to `target` that records every request and applies injected faults. */
export async function startProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const base = new URL(target);
  const server = createServer((req, res) => {
    void readAll(req).then((body) => {
      const method = req.method ?? "GET";
      const path = req.url ?? "/";
      requests.push({ method, path, headers: req.headers, body: body.toString("utf8") });
      const isCreate = () => {
        try {
          return JSON.parse(body.toString("utf8")).dryRun !== true;
        } catch {
          return true;
        }
      };
      const fault = faults.find(
        (f) =>
          f.times > 0 &&
          (!f.method || f.method === method) &&
          (!f.path || f.path === path) &&
          (!f.create || isCreate()),
      );
      if (fault) fault.times -= 1;
      if (fault && "answer" in fault) {
        res.writeHead(fault.answer, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "InternalError", message: "internal error" } }));
        return;
      }
      const upstream = httpRequest(
        new URL(path, base),
        { method, headers: { ...req.headers, host: base.host } },
        (answer) => {
          void readAll(answer).then((payload) => {
            if (fault) {
              res.socket?.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(payload);
          });
        },
      );
      upstream.on("error", () => res.socket?.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject: (fault) => faults.push({ ...fault }),
    seen: (method, path) =>
      requests.filter((r) => r.method === method && (path === undefined || r.path === path)),
    stop: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export interface AnnexResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = resolve(import.meta.dirname, "../../..");

/** A throwaway HOME for the CLI (no config file unless a test writes one). */
export function makeHome(): { home: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), "annex-cli-e2e-"));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** Runs the real `annex` binary with `args`, feeding `input` on stdin. */
export function runAnnex(
  args: string[],
  opts: { url?: string; home: string; input?: string; env?: Record<string, string> },
): Promise<AnnexResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: opts.home,
    XDG_CONFIG_HOME: join(opts.home, ".config"),
    ...(opts.url ? { ANNEX_URL: opts.url } : {}),
    ...opts.env,
  };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, "cli/annex.js"), ...args], {
      cwd: ROOT,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Runs setup directly against the API (for tests about other commands). */
export async function seedSetup(url: string): Promise<void> {
  const response = await fetch(`${url}/setup`, {
    method: "POST",
    // alice is one of the test stack's administrators.
    headers: { "content-type": "application/json", "x-annex-owner": "alice" },
    body: JSON.stringify({
      collectorHost: "cm.example.org:9618",
      allowCidr: "10.0.0.0/8",
      poolPassword: "e2e-pool-password",
      defaults: { imageId: "ami-0123456789abcdef0", instanceType: "m4.large" },
    }),
  });
  if (!response.ok) throw new Error(`setup failed: HTTP ${response.status}`);
}
