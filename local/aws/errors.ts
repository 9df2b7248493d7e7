/** AWS-style error answers for requests the local endpoint itself refuses. */

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

const xmlEscape = (text: string) => text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Answers an AWS error in the protocol the caller speaks: JSON for `X-Amz-Target` callers, else XML. */
export function sendAwsError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  const requestId = randomUUID();
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (req.headers["x-amz-target"] !== undefined) {
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": requestId,
      "x-amzn-errortype": code,
    });
    res.end(JSON.stringify({ __type: code, message }));
    return;
  }
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}
