/**
 * Sends an instance's signed `sts:GetCallerIdentity` to STS byte for byte (node:http(s): `fetch`
 * would replace the signed Host header) and reads STS's Query-protocol XML answer.
 */

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { StsUnavailableError } from "../../domain/instance-proof.ts";
import type { CallerIdentity, CallerIdentityAnswer } from "../../ports/identity.ts";

/** STS answers are a few hundred bytes; anything far larger is not STS. */
const MAX_ANSWER_BYTES = 64 * 1024;

const unescapeXml = (text: string) =>
  text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");

/** STS's answer: 200 with the Arn, 4xx with its error code; 5xx and throttling are outages. */
function readAnswer(status: number, xml: string): CallerIdentityAnswer {
  const code = /<Code>([^<]{1,128})<\/Code>/.exec(xml)?.[1];
  if (status >= 500 || code === "Throttling" || code === "RequestLimitExceeded")
    throw new StsUnavailableError(`STS answered HTTP ${status}${code ? ` ${code}` : ""}`);
  const arn = /<GetCallerIdentityResult>[\s\S]*?<Arn>([^<]{1,2048})<\/Arn>/.exec(xml)?.[1];
  if (status === 200 && arn !== undefined) return { arn: unescapeXml(arn) };
  return { refused: code ?? `HTTP ${status}` };
}

/** CallerIdentity over HTTP(S), each call bounded by `timeoutMs`. */
export class StsCallerIdentity implements CallerIdentity {
  constructor(private readonly timeoutMs = 5000) {}

  send(stsUrl: string, headers: Record<string, string>, body: string) {
    const url = new URL(stsUrl);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<CallerIdentityAnswer>((resolve, reject) => {
      const fail = (detail: string) => reject(new StsUnavailableError(detail));
      try {
        const req = send(url, { method: "POST", headers, timeout: this.timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) return req.destroy(new Error("answer too large"));
            chunks.push(chunk);
          });
          res.on("end", () => {
            try {
              resolve(readAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
            } catch (error) {
              reject(error);
            }
          });
          res.on("error", (error) => fail(error.message));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
        req.on("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
        req.end(body);
      } catch (error) {
        // Node refuses header values it cannot send; the checks before should have caught them.
        fail(error instanceof Error ? error.message : String(error));
      }
    });
  }
}
