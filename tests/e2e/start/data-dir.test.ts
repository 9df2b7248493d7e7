/**
 * `npm start` with a relative ANNEX_DATA_DIR that has spaces, typed in a folder other than the
 * repository: the folder is resolved once, from where it was typed, and everything the stack
 * keeps (the local AWS's data, the instances' sandboxes) goes there.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Server, shellEnvironment, startedServer } from "../support/npm-start.ts";
import { groupAlive, processesUnder, waitUntil } from "../support/processes.ts";

const REPOSITORY = resolve(import.meta.dirname, "../../..");

describe("npm start's data folder", () => {
  const elsewhere = mkdtempSync(join(tmpdir(), "typed here "));
  let server: Server | undefined;
  afterAll(() => {
    if (server?.child.pid !== undefined && groupAlive(server.child.pid)) {
      process.kill(-server.child.pid, "SIGKILL");
    }
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it("takes a relative ANNEX_DATA_DIR from the folder npm was typed in, spaces and all", async () => {
    server = await startedServer(
      elsewhere,
      {
        ...shellEnvironment(),
        ANNEX_DATA_DIR: "my state",
        ANNEX_API_PORT: "0",
        ANNEX_AWS_PORT: "0",
      },
      ["--prefix", REPOSITORY],
    );
    const folder = join(elsewhere, "my state");
    expect(server.output()).toContain(`state       ${folder}\n`);
    expect(existsSync(join(folder, "aws"))).toBe(true);
    expect(existsSync(join(folder, "instances"))).toBe(true);

    const pid = server.child.pid as number;
    process.kill(-pid, "SIGINT");
    await server.exited;
    expect(server.output()).toMatch(/^Stopped\.$/m);
    await waitUntil("npm start's process group to end", () => !groupAlive(pid), 10_000);
    expect(processesUnder(folder)).toEqual([]);
    expect(readdirSync(folder).sort()).toEqual(["aws", "instances"]);
  }, 90_000);
});
