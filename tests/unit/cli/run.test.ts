import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Io } from "../../../cli/io.ts";
import { startDots, withDots } from "../../../cli/io.ts";
import { type RunDeps, run } from "../../../cli/run.ts";

interface StubRequest {
  method: string;
  path: string;
  body: string;
}

interface StubApi {
  url: string;
  requests: StubRequest[];
  stop(): Promise<void>;
}

type Route = { status: number; body: unknown };

/**
 * A loopback API answering from `routes` ("METHOD /path" → status and body, or a function of the
 * request body giving them), after `delayMs`.
 */
async function startStubApi(
  routes: Record<string, Route | ((body: Record<string, unknown>) => Route)>,
  delayMs = 0,
): Promise<StubApi> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      const found = routes[`${request.method} ${request.path}`];
      const route =
        typeof found === "function"
          ? found(JSON.parse(request.body || "{}") as Record<string, unknown>)
          : (found ?? {
              status: 404,
              body: { error: { code: "NotFound", message: `no route ${request.path}` } },
            });
      setTimeout(() => {
        res.writeHead(route.status, { "content-type": "application/json" });
        res.end(JSON.stringify(route.body));
      }, delayMs);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}

const ROUTES = {
  "GET /setup": {
    status: 200,
    body: { ok: true, components: [], defaults: { instanceType: "m5.large" } },
  },
  "POST /annexes": (body: Record<string, unknown>) =>
    body.dryRun === true
      ? {
          status: 200,
          body: {
            dryRun: true,
            estimate: {
              maxUsd: 0.07968,
              perHourUsd: 0.096,
              hours: 0.83,
              basis: "on-demand prices",
            },
            request: { name: body.name, kind: "on-demand", count: 1, instanceType: "m5.large" },
          },
        }
      : {
          status: 201,
          body: {
            annex: {
              id: "01RUNA",
              name: "RunA",
              state: "provisioning",
              instances: [{ id: "i-0123456789abcdef0", state: "pending" }],
            },
          },
        },
  "POST /setup": {
    status: 422,
    body: {
      error: {
        code: "ValidationFailed",
        message: "poolPassword: is required (or poolToken): no pool secret is stored yet",
        issues: [
          {
            path: "poolPassword",
            message: "is required (or poolToken): no pool secret is stored yet",
          },
        ],
      },
    },
  },
  "PATCH /annexes/Limited": {
    status: 422,
    body: {
      error: {
        code: "ValidationFailed",
        message: "durationHours: must be at most 24 hours",
        issues: [{ path: "durationHours", message: "must be at most 24 hours" }],
      },
    },
  },
  "GET /annexes/NoSuch": {
    status: 404,
    body: { error: { code: "NotFound", message: 'annex "NoSuch" not found' } },
  },
};

function memoryIo(answers: string[] = []): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    readLine: async () => answers.shift(),
    interactive: false,
  };
}

let api: StubApi;
beforeAll(async () => {
  api = await startStubApi(ROUTES);
});
afterAll(() => api.stop());

function deps(io: Io, overrides: Partial<RunDeps> = {}): RunDeps {
  return {
    io,
    env: { ANNEX_URL: api.url },
    home: "/nonexistent-home",
    username: "alice",
    readText: (path) => {
      if (path === "pw") return "secret";
      throw Object.assign(new Error("missing"), { code: "ENOENT" });
    },
    findCollector: () => undefined,
    now: Date.now,
    newToken: () => "token-1",
    saveSecret: () => "/dev/null",
    client: { retries: 0 },
    ...overrides,
  };
}

describe("progress dots", () => {
  it("prints one dot per interval while the work is pending, and stops", async () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const stop = startDots({ out: (t) => void out.push(t) }, 1000);
      vi.advanceTimersByTime(3500);
      stop();
      vi.advanceTimersByTime(5000);
      expect(out.join("")).toBe("...");
    } finally {
      vi.useRealTimers();
    }
  });

  it("stops when the work fails", async () => {
    const out: string[] = [];
    const failing = new Promise((_, reject) => setTimeout(() => reject(new Error("x")), 60));
    await expect(withDots({ out: (t) => void out.push(t) }, failing, 10)).rejects.toThrow("x");
    const count = out.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(out.length).toBe(count);
    expect(count).toBeGreaterThan(0);
  });

  it("ticks during a slow setup request, between the heading and 'complete.'", async () => {
    const slow = await startStubApi(
      { "POST /setup": { status: 200, body: { ok: true, components: [] } } },
      300,
    );
    const io = memoryIo();
    const argv = ["-setup", "-collector-host", "cm", "-allow-cidr", "10.0.0.0/8"];
    const code = await run(argv, { ...deps(io), env: { ANNEX_URL: slow.url }, dotIntervalMs: 40 });
    await slow.stop();
    expect(code).toBe(0);
    const first = io.stdout.join("").split("\n")[0] ?? "";
    expect(first).toMatch(/\(this takes less than a minute\)\.\.\.\.{4,} complete\.$/);
  });
});

describe("run", () => {
  it("sends the token it was given and prints condor_annex's lines with the estimate", async () => {
    const io = memoryIo(["yes"]);
    const code = await run(["-count", "1", "-annex-name", "RunA"], deps(io));
    expect(code).toBe(0);
    expect(io.stdout.join("")).toContain(
      "Will request 1 m5.large on-demand instance for 0.83 hours (at most $0.08).  Each instance will terminate after being idle for 0.25 hours.\nIs that OK?  (Type 'yes' or 'no'): yes\nStarting annex...\nAnnex started.",
    );
    const sent = api.requests
      .filter((r) => r.method === "POST" && r.path === "/annexes")
      .map((r) => JSON.parse(r.body) as Record<string, unknown>)
      .filter((body) => body.name === "RunA");
    expect(sent).toHaveLength(2);
    // First the dry run (the estimate the question shows), then the create, with one token.
    expect(sent[0]).toMatchObject({ name: "RunA", count: 1, clientToken: "token-1", dryRun: true });
    expect(sent[1]).toMatchObject({ name: "RunA", count: 1, clientToken: "token-1" });
    expect(sent[1]?.dryRun).toBeUndefined();
    expect(sent[1]?.instanceType).toBeUndefined();
  });

  it("turns an unexpected failure into one line without a stack", async () => {
    const io = memoryIo(["yes"]);
    const code = await run(["-count", "1", "-annex-name", "RunB"], {
      ...deps(io),
      newToken: () => {
        throw new TypeError("boom\n    at somewhere (file.ts:1:1)");
      },
    });
    expect(code).toBe(1);
    expect(io.stderr).toEqual(["annex: unexpected error: boom at somewhere (file.ts:1:1)\n"]);
  });

  it("says a refused field with the flag that was typed, exit code 3", async () => {
    const io = memoryIo();
    expect(await run(["-annex-name", "Limited", "-duration", "48"], deps(io))).toBe(3);
    expect(io.stderr).toEqual(["annex: -duration must be at most 24 hours\n"]);
  });

  it("names the secret flags and what each is for when setup needs a pool secret", async () => {
    const io = memoryIo();
    const argv = ["-setup", "-collector-host", "cm.example.org", "-allow-cidr", "10.0.0.0/8"];
    expect(await run(argv, deps(io))).toBe(3);
    expect(io.stderr).toEqual([
      "annex: -pool-password-file is required (or -pool-token-file): no pool secret is stored yet (-pool-password-file FILE: a file holding the pool password, for HTCondor's PASSWORD authentication; -pool-token-file FILE: a file holding an HTCondor IDTOKEN the instances join the pool with)\n",
    ]);
  });

  it("says who may run setup when IAM itself refuses POST /setup (API Gateway's bare 403)", async () => {
    const gateway = await startStubApi({
      "POST /setup": { status: 403, body: { message: "Forbidden" } },
    });
    const io = memoryIo();
    const argv = ["-setup", "-collector-host", "cm", "-allow-cidr", "10.0.0.0/8"];
    const code = await run(argv, { ...deps(io), env: { ANNEX_URL: gateway.url } });
    await gateway.stop();
    expect(code).toBe(3);
    expect(io.stderr.join("")).toMatch(
      /^annex: only the stage's administrators may run setup: .*AdminPolicy.*\n$/,
    );
  });

  it("reports a 4xx with exit code 3 and the server's words", async () => {
    const io = memoryIo();
    const code = await run(["history", "NoSuch"], deps(io));
    expect(code).toBe(3);
    expect(io.stderr).toEqual(['annex: annex "NoSuch" not found\n']);
  });
});
