import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StsCallerIdentity } from "../../../shared/adapters/aws/sts-caller-identity.ts";
import { StsUnavailableError } from "../../../shared/domain/instance-proof.ts";

let answer: (req: IncomingMessage, res: ServerResponse) => void;
const received: Array<{ headers: IncomingMessage["headers"]; body: string }> = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
    answer(req, res);
  });
});
let url = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const xml = (status: number, text: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { "content-type": "text/xml" });
  res.end(text);
};
const error = (code: string) =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>m</Message></Error></ErrorResponse>`;
const sts = new StsCallerIdentity(500);
const send = () =>
  sts.send(url, { host: "sts.eu-west-1.amazonaws.com", "x-test": "1" }, "Action=X");

describe("StsCallerIdentity", () => {
  it("sends the signed headers as they are, the Host included, and reads the Arn", async () => {
    answer = xml(
      200,
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::1:assumed-role/r/i-1</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>",
    );
    expect(await send()).toEqual({ arn: "arn:aws:sts::1:assumed-role/r/i-1" });
    expect(received.at(-1)?.headers.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(received.at(-1)?.headers["x-test"]).toBe("1");
    expect(received.at(-1)?.body).toBe("Action=X");
  });

  it("answers STS's refusal code", async () => {
    answer = xml(403, error("SignatureDoesNotMatch"));
    expect(await send()).toEqual({ refused: "SignatureDoesNotMatch" });
    answer = xml(200, "<html>not STS</html>");
    expect(await send()).toEqual({ refused: "HTTP 200" });
  });

  it.each([
    ["a 5xx", xml(500, error("InternalFailure"))],
    ["throttling", xml(400, error("Throttling"))],
    ["no answer in time", () => undefined],
  ])("takes %s as STS unavailable", async (_, handler) => {
    answer = handler;
    await expect(send()).rejects.toBeInstanceOf(StsUnavailableError);
  });

  it("takes a refused connection as STS unavailable", async () => {
    await expect(
      sts.send("http://127.0.0.1:1/", { host: "sts.example" }, "Action=X"),
    ).rejects.toMatchObject({ status: 503 });
  });
});
