import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decide, missingPackages, type Probe } from "../support/prerequisites.ts";

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A fake root with the given executables (paths under it), probed with the given PATH. */
function fakeRoot(executables: string[], path: string): Probe {
  const root = mkdtempSync(join(tmpdir(), "annex-prereq-"));
  folders.push(root);
  for (const file of executables) {
    mkdirSync(join(root, file, ".."), { recursive: true });
    writeFileSync(join(root, file), "#!/bin/sh\n", { mode: 0o755 });
  }
  const present = new Set(executables.map((file) => join(root, file)));
  return { path, root, isExecutable: (file) => present.has(file) };
}

describe("the test prerequisites", () => {
  it("finds the AWS CLI at /usr/bin/aws and shellcheck on the PATH", () => {
    const both = fakeRoot(["/usr/bin/aws", "/opt/tools/shellcheck"], "/opt/tools:/usr/bin");
    expect(missingPackages(both)).toEqual([]);
  });

  it("names the package of each program it cannot find", () => {
    expect(missingPackages(fakeRoot([], "/usr/bin:/bin"))).toEqual(["awscli", "shellcheck"]);
    // An aws elsewhere on the PATH is not Debian's AWS CLI v2 the tests call.
    expect(missingPackages(fakeRoot(["/usr/local/bin/aws"], "/usr/local/bin"))).toEqual([
      "awscli",
      "shellcheck",
    ]);
    expect(missingPackages(fakeRoot(["/usr/bin/aws", "/usr/bin/shellcheck"], "/bin"))).toEqual([
      "shellcheck",
    ]);
  });

  it("is ready when nothing is missing, whoever runs it", () => {
    expect(decide([], { isRoot: false, hasApt: false })).toEqual({ kind: "ready" });
  });

  it("installs with apt-get as root on Debian", () => {
    expect(decide(["shellcheck"], { isRoot: true, hasApt: true })).toEqual({
      kind: "install",
      packages: ["shellcheck"],
    });
  });

  it.each([[{ isRoot: false, hasApt: true }], [{ isRoot: true, hasApt: false }]])(
    "stops with one line naming the packages otherwise (%j)",
    (host) => {
      expect(decide(["awscli", "shellcheck"], host)).toEqual({
        kind: "stop",
        line: "npm test needs the Debian packages awscli shellcheck: install them (sudo apt-get install -y awscli shellcheck), then run npm test again.",
      });
      expect(decide(["awscli"], host)).toMatchObject({
        line: "npm test needs the Debian package awscli: install it (sudo apt-get install -y awscli), then run npm test again.",
      });
    },
  );

  it("as a script, runs apt-get for what the PATH lacks, or stops in one line", () => {
    const bin = mkdtempSync(join(tmpdir(), "annex-prereq-bin-"));
    folders.push(bin);
    const log = join(bin, "apt.log");
    // A fake apt-get that records its arguments and "installs" shellcheck into this PATH.
    writeFileSync(
      join(bin, "apt-get"),
      `#!/bin/sh\necho "$*" >> '${log}'\ncase "$1" in install) printf '#!/bin/sh\\n' > '${bin}/shellcheck'; /bin/chmod 755 '${bin}/shellcheck' ;; esac\n`,
    );
    chmodSync(join(bin, "apt-get"), 0o755);
    const script = join(import.meta.dirname, "../support/prerequisites.ts");
    const run = spawnSync(process.execPath, ["--import", "tsx", script], {
      env: { PATH: bin },
      encoding: "utf8",
    });
    if (process.getuid?.() === 0) {
      expect(run.status).toBe(0);
      expect(readFileSync(log, "utf8")).toBe(
        "update -qq\ninstall -y -qq --no-install-recommends shellcheck\n",
      );
    } else {
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split("\n")).toEqual([
        "npm test needs the Debian package shellcheck: install it (sudo apt-get install -y shellcheck), then run npm test again.",
      ]);
    }
  });
});
