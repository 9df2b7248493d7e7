/** The HTTP side of the EC2 API: reads the form, answers XML or EC2's error document. */

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Ec2Context } from "../core/context.ts";
import { Ec2Error } from "../protocol/errors.ts";
import { readBody, send } from "../protocol/http.ts";
import { errorXml } from "../protocol/xml.ts";
import { dispatch } from "./dispatch.ts";

const xmlHeaders = (requestId: string) => ({
  "content-type": "text/xml;charset=UTF-8",
  "x-amzn-requestid": requestId,
  server: "AmazonEC2",
});

/** Answers one EC2 Query request. Never throws: anything unexpected becomes `InternalError`. */
export async function handleApiRequest(
  ctx: Ec2Context,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  try {
    const params = new URLSearchParams(new URL(req.url ?? "/", "http://local").search);
    for (const [key, value] of new URLSearchParams(await readBody(req))) params.append(key, value);
    send(res, 200, dispatch(ctx, params, requestId), xmlHeaders(requestId));
  } catch (error) {
    const known =
      error instanceof Ec2Error
        ? error
        : error instanceof RangeError && error.message === "request body too large"
          ? new Ec2Error("RequestEntityTooLarge", "The request body is too large.", 413)
          : undefined;
    if (!known)
      process.stderr.write(
        `ec2 emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    const answer = known ?? new Ec2Error("InternalError", "An internal error has occurred", 500);
    send(
      res,
      answer.status,
      errorXml(answer.code, answer.message, requestId),
      xmlHeaders(requestId),
    );
  }
}
