import { execFileSync, spawnSync } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderUserData } from "../../../instance/user-data.ts";
import { createSandbox } from "../../../local/instances/sandbox.ts";
import { removeTemporaryFolders, temporaryFolder } from "./helpers.ts";

afterAll(removeTemporaryFolders);

function shellcheck(...files: string[]): { status: number | null; output: string } {
  const found = spawnSync("shellcheck", ["--version"]);
  if (found.error)
    throw new Error("shellcheck is not installed (Debian: apt-get install -y shellcheck)");
  const run = spawnSync("shellcheck", ["--severity=style", ...files], { encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("shellcheck", () => {
  it("passes instance/bootstrap.sh", () => {
    expect(shellcheck(new URL("../../../instance/bootstrap.sh", import.meta.url).pathname)).toEqual(
      {
        status: 0,
        output: "",
      },
    );
  });

  it("passes the rendered user-data script", async () => {
    const file = join(await temporaryFolder("annex-shellcheck-"), "user-data.sh");
    await writeFile(
      file,
      renderUserData({
        apiUrl: "https://api.example.org/prod",
        stsUrl: "https://sts.eu-west-1.amazonaws.com/",
        stsRegion: "eu-west-1",
        serverId: "api.example.org",
        bootGraceSeconds: 900,
      }),
    );
    expect(shellcheck(file)).toEqual({ status: 0, output: "" });
  });

  it("passes the simulator's command stubs", async () => {
    const dir = await temporaryFolder("annex-shellcheck-");
    await createSandbox(dir, { imdsUrl: "http://127.0.0.1:1", clockMs: Date.now() });
    const stubs = (await readdir(join(dir, "bin"))).map((name) => join(dir, "bin", name));
    expect(stubs.length).toBeGreaterThan(10);
    expect(shellcheck(...stubs)).toEqual({ status: 0, output: "" });
    execFileSync(join(dir, "bin", "date"), ["+%s"]);
  });
});
