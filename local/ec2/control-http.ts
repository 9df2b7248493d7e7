/**
 * The control interface over HTTP (JSON), under `/_ec2` on the local AWS endpoint:
 *
 *   GET    /instances                          instances with state, tags, interruption
 *   GET    /instances/{id}
 *   POST   /instances/{id}/power-off           shutdown from inside the instance
 *   POST   /instances/{id}/spot-interruption   { warningSeconds? }
 *   GET    /faults   PUT /faults { … }   DELETE /faults
 *   POST   /faults/fail-next                   { action, count?, code?, status?, message? }
 *   GET    /events?limit=N                     recent EventBridge events
 *   GET    /clock    POST /clock/advance { ms | seconds }   (advance: ManualClock only)
 *   POST   /tick                               apply due transitions now
 *   GET    /identity-certificate               PEM the backend trusts
 *
 * and the market routes of `control-http-market.ts` (capacity, prices, images, rebalance).
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Clock } from "../clock.ts";
import { type Ec2Control, Ec2ControlError } from "./control.ts";
import { marketRoutes } from "./control-http-market.ts";
import { body, type Reply, type Request, type Route } from "./control-http-routes.ts";
import { parseCapacityKey } from "./core/capacity.ts";
import { send, sendJson } from "./protocol/http.ts";

const bucket = z.object({
  burst: z.number().positive(),
  refillPerSecond: z.number().nonnegative(),
});

const faultsBody = z
  .object({
    throttling: z.union([z.boolean(), z.record(bucket)]),
    errorRate: z.number().min(0).max(1),
    errorActions: z.array(z.string()),
    seed: z.number().int(),
    capacity: z.record(
      z.string().refine((key) => parseCapacityKey(key) !== undefined, {
        message: "a capacity key is TYPE, TYPE:ZONE, TYPE::MARKET or TYPE:ZONE:MARKET",
      }),
      z.number().int().nonnegative(),
    ),
    visibilityDelayMs: z.number().nonnegative(),
    unknownImages: z.array(z.string()),
    spotPrices: z.record(z.number().positive()),
  })
  .partial()
  .strict();

const failNextBody = z.object({
  action: z.string().min(1),
  count: z.number().int().positive().optional(),
  code: z.string().min(1).optional(),
  status: z.number().int().min(400).max(599).optional(),
  message: z.string().optional(),
});

const interruptionBody = z.object({ warningSeconds: z.number().nonnegative().optional() });
const advanceBody = z.union([
  z.object({ ms: z.number().nonnegative() }),
  z.object({ seconds: z.number().nonnegative() }),
]);

interface ManualClockLike extends Clock {
  advance(ms: number): void;
}

const limitOf = (req: IncomingMessage) =>
  Math.max(
    1,
    Math.min(
      1000,
      Number(new URL(req.url ?? "/", "http://local").searchParams.get("limit")) || 100,
    ),
  );

function advance(control: Ec2Control, by: z.infer<typeof advanceBody>): Reply {
  const clock = control.clock as Partial<ManualClockLike>;
  if (typeof clock.advance !== "function")
    throw new Ec2ControlError("the emulator runs on the system clock", 409);
  clock.advance("ms" in by ? by.ms : by.seconds * 1000);
  return { json: { now: new Date(control.clock.now()).toISOString() } };
}

function instance({ control, id }: Request): Reply {
  const found = control.instance(id);
  if (!found) throw new Ec2ControlError(`no instance ${id}`, 404);
  return { json: { instance: found } };
}

const routes: Route[] = [
  ["GET", /^\/instances\/?$/, ({ control }) => ({ json: { instances: control.instances() } })],
  ["GET", /^\/instances\/([^/]+)$/, instance],
  [
    "POST",
    /^\/instances\/([^/]+)\/power-off$/,
    ({ control, id }) => ({ json: { instance: control.powerOff(id) } }),
  ],
  [
    "POST",
    /^\/instances\/([^/]+)\/spot-interruption$/,
    async ({ control, req, id }) => ({
      json: { instance: control.interruptSpot(id, await body(req, interruptionBody)) },
    }),
  ],
  ["GET", /^\/faults$/, ({ control }) => ({ json: control.faults() })],
  [
    "PUT",
    /^\/faults$/,
    async ({ control, req }) => {
      control.setFaults(await body(req, faultsBody));
      return { json: control.faults() };
    },
  ],
  [
    "DELETE",
    /^\/faults$/,
    ({ control }) => {
      control.resetFaults();
      return { json: control.faults() };
    },
  ],
  [
    "POST",
    /^\/faults\/fail-next$/,
    async ({ control, req }) => {
      const { action, ...options } = await body(req, failNextBody);
      control.failNext(action, options);
      return { json: control.faults() };
    },
  ],
  [
    "GET",
    /^\/events$/,
    ({ control, req }) => ({ json: { events: control.events().slice(-limitOf(req)) } }),
  ],
  [
    "GET",
    /^\/clock$/,
    ({ control }) => ({
      json: {
        now: new Date(control.clock.now()).toISOString(),
        manual: "advance" in control.clock,
      },
    }),
  ],
  [
    "POST",
    /^\/clock\/advance$/,
    async ({ control, req }) => advance(control, await body(req, advanceBody)),
  ],
  [
    "POST",
    /^\/tick$/,
    ({ control }) => {
      control.tick();
      return { json: { now: new Date(control.clock.now()).toISOString() } };
    },
  ],
  ["GET", /^\/identity-certificate$/, ({ certificatePem }) => ({ pem: certificatePem })],
  ...marketRoutes,
];

/** Answers one control request (`path` is the part after `/_ec2`). */
export async function handleControlRequest(
  control: Ec2Control,
  certificatePem: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  try {
    const candidates = routes.filter(([, pattern]) => pattern.test(path));
    const route = candidates.find(([method]) => method === req.method);
    if (!route) {
      const status = candidates.length > 0 ? 405 : 404;
      const code = status === 405 ? "MethodNotAllowed" : "NotFound";
      return sendJson(res, status, { error: { code, message: `${req.method} ${path}` } });
    }
    const id = route[1].exec(path)?.[1] ?? "";
    const reply = await route[2]({ control, req, id, certificatePem });
    if ("pem" in reply) send(res, 200, reply.pem, { "content-type": "application/x-pem-file" });
    else sendJson(res, 200, reply.json);
  } catch (error) {
    sendError(res, error);
  }
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof Ec2ControlError) {
    const code = { 400: "BadRequest", 404: "NotFound", 409: "Conflict" }[error.status];
    sendJson(res, error.status, { error: { code, message: error.message } });
    return;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`ec2 emulator control: ${detail}\n`);
  sendJson(res, 500, { error: { code: "InternalError", message: "the control request failed" } });
}
