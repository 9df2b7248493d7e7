/** DynamoDB for the local endpoint: dynalite, in memory or persisted with LevelDB. */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import dynalite from "dynalite";

export interface LocalService {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** Starts dynalite without exposing its own port: requests are dispatched to it in-process. */
export async function startDynamoDb(path: string | undefined): Promise<LocalService> {
  const server: Server = dynalite({
    path,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  // dynalite closes its LevelDB store only when its own server closes, so it listens on a
  // private loopback port that nothing else is told about.
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    handle: (req, res) => server.emit("request", req, res),
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
