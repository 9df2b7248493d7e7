import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createTarGz, readTarGz } from "../../../shared/domain/tar.ts";

const hasTar = spawnSync("tar", ["--version"]).status === 0;

describe("createTarGz / readTarGz", () => {
  it("round-trips files and directories with their modes", () => {
    const archive = createTarGz(
      [
        { path: "d", type: "directory", mode: 0o700 },
        { path: "d/a.txt", content: "hello\n", mode: 0o600 },
        { path: "empty", content: "", mode: 0o644 },
        { path: "block", content: Buffer.alloc(512, 7), mode: 0o755 },
      ],
      { mtime: 1234 },
    );
    const entries = readTarGz(archive);
    expect(entries.map(({ path, mode, type }) => [path, mode, type])).toEqual([
      ["d/", 0o700, "directory"],
      ["d/a.txt", 0o600, "file"],
      ["empty", 0o644, "file"],
      ["block", 0o755, "file"],
    ]);
    expect(entries[1]?.content.toString()).toBe("hello\n");
    expect(entries[2]?.content).toHaveLength(0);
    expect(entries[3]?.content).toEqual(Buffer.alloc(512, 7));
    expect(entries[0]?.mtime).toBe(1234);
  });

  it("pads members to 512-byte blocks and ends with two zero blocks", () => {
    const tar = gunzipSync(createTarGz([{ path: "f", content: "x", mode: 0o644 }]));
    expect(tar.length).toBe(512 * 4);
    expect(tar.subarray(257, 263).toString("latin1")).toBe("ustar\0");
    expect(tar.subarray(1024).every((byte) => byte === 0)).toBe(true);
  });

  it("detects a corrupted header", () => {
    const tar = gunzipSync(createTarGz([{ path: "f", content: "x", mode: 0o644 }]));
    tar[0] = "g".charCodeAt(0);
    expect(() => readTarGz(gzipSync(tar))).toThrow(/checksum/);
  });

  it("refuses unsafe or too long paths", () => {
    for (const path of ["/etc/passwd", "../x", "a/../b", "a//b", "a b", "é", "x".repeat(101)]) {
      expect(() => createTarGz([{ path, content: "", mode: 0o644 }]), path).toThrow(RangeError);
    }
  });

  it.skipIf(!hasTar)("is read by GNU tar with the same names, contents and modes", () => {
    const dir = mkdtempSync(join(tmpdir(), "annex-tar-"));
    try {
      const file = join(dir, "bundle.tar.gz");
      writeFileSync(
        file,
        createTarGz([
          { path: "config.d", type: "directory", mode: 0o755 },
          { path: "config.d/50-annex.config", content: "A = 1\n", mode: 0o644 },
          { path: "passwords.d", type: "directory", mode: 0o700 },
          { path: "passwords.d/POOL", content: Buffer.from([0xde, 0xad]), mode: 0o600 },
        ]),
      );
      const out = join(dir, "out");
      spawnSync("mkdir", [out]);
      const result = spawnSync("tar", ["-xzf", file, "-C", out, "--no-same-owner"], {
        encoding: "utf8",
      });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(readFileSync(join(out, "config.d/50-annex.config"), "utf8")).toBe("A = 1\n");
      expect(readFileSync(join(out, "passwords.d/POOL"))).toEqual(Buffer.from([0xde, 0xad]));
      expect(statSync(join(out, "passwords.d/POOL")).mode & 0o777).toBe(0o600);
      expect(statSync(join(out, "passwords.d")).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
