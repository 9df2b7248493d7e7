import { describe, expect, it } from "vitest";
import {
  type AnnexConfigInput,
  buildConfigBundle,
  renderAnnexConfig,
  SHUTDOWN_SCRIPT,
  scramblePoolPassword,
  tagAttributeName,
} from "../../../shared/domain/condor-config.ts";
import { ValidationError } from "../../../shared/domain/errors.ts";
import { readTarGz } from "../../../shared/domain/tar.ts";
import { expectIssue } from "./helpers.ts";

const annex: AnnexConfigInput["annex"] = {
  id: "01J9ZQ3B5V6N7M8K9H0G1F2E3D",
  name: "MyFirstAnnex",
  owners: ["alice", "bob"],
  noOwner: false,
  idleTimeoutSeconds: 900,
  tags: { project: "genomics", "cost-center": "cs 42" },
};
const input: AnnexConfigInput = { collectorHost: "cm.example.org:9618", auth: "password", annex };
const render = (patch: Partial<typeof annex>, rest: Partial<AnnexConfigInput> = {}) =>
  renderAnnexConfig({ ...input, ...rest, annex: { ...annex, ...patch } });

/** The `NAME = value` lines of a config file, as a map (later lines win, as in HTCondor). */
function macros(config: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of config.split("\n")) {
    const match = /^([A-Za-z_][A-Za-z0-9_.]*) = (.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) map.set(match[1], match[2]);
  }
  return map;
}

describe("renderAnnexConfig", () => {
  it("writes the design's config, line by line (pool password)", () => {
    expect(renderAnnexConfig(input).split("\n")).toEqual([
      "# Written by cloud-annex for this annex. Do not edit.",
      "COLLECTOR_HOST = cm.example.org:9618",
      "",
      'AnnexName = "MyFirstAnnex"',
      'AnnexId = "01J9ZQ3B5V6N7M8K9H0G1F2E3D"',
      "IsAnnex = True",
      'AnnexTag_cost_center = "cs 42"',
      'AnnexTag_project = "genomics"',
      "STARTD_ATTRS = $(STARTD_ATTRS) AnnexName AnnexId IsAnnex AnnexTag_cost_center AnnexTag_project",
      "MASTER_ATTRS = $(MASTER_ATTRS) AnnexName AnnexId IsAnnex AnnexTag_cost_center AnnexTag_project",
      "",
      'START = (TARGET.MayUseAWS =?= True) && stringListMember(TARGET.Owner, "alice,bob")',
      "",
      "# Idle shutdown: the startd exits when unclaimed this long, then the master, then the instance.",
      "STARTD_NOCLAIM_SHUTDOWN = 900",
      "MASTER.DAEMON_SHUTDOWN_FAST = (STARTD_StartTime == 0) && ((time() - DaemonStartTime) > 60)",
      "DEFAULT_MASTER_SHUTDOWN_SCRIPT = /etc/condor/annex/master-shutdown.sh",
      "",
      "SEC_DEFAULT_AUTHENTICATION = REQUIRED",
      "SEC_DEFAULT_AUTHENTICATION_METHODS = FS, PASSWORD, IDTOKENS",
      "SEC_PASSWORD_DIRECTORY = /etc/condor/passwords.d",
      "SEC_PASSWORD_FILE = /etc/condor/passwords.d/POOL",
      "SEC_DEFAULT_ENCRYPTION = REQUIRED",
      "SEC_DEFAULT_INTEGRITY = REQUIRED",
      "ENCRYPT_EXECUTE_DIRECTORY = True",
      "",
    ]);
  });

  it("uses IDTOKENS and the token directory with a pool token", () => {
    const config = macros(render({}, { auth: "token" }));
    expect(config.get("SEC_DEFAULT_AUTHENTICATION_METHODS")).toBe("FS, IDTOKENS");
    expect(config.get("SEC_TOKEN_DIRECTORY")).toBe("/etc/condor/tokens.d");
    expect(config.has("SEC_PASSWORD_FILE")).toBe(false);
    expect(config.get("SEC_DEFAULT_AUTHENTICATION")).toBe("REQUIRED");
  });

  it("drops the owner clause with noOwner", () => {
    expect(macros(render({ noOwner: true, owners: [] })).get("START")).toBe(
      "(TARGET.MayUseAWS =?= True)",
    );
  });

  it("publishes no tag attributes without tags", () => {
    expect(macros(render({ tags: {} })).get("STARTD_ATTRS")).toBe(
      "$(STARTD_ATTRS) AnnexName AnnexId IsAnnex",
    );
  });

  it("writes the idle timeout in seconds", () => {
    expect(macros(render({ idleTimeoutSeconds: 1 })).get("STARTD_NOCLAIM_SHUTDOWN")).toBe("1");
  });

  describe("hostile input cannot add a line or a macro expansion", () => {
    const hostile = [
      "x\nSTART = True",
      "x\r\nSTART = True",
      "x\u2028START = True",
      'x" && True || "',
      "x\\",
      "$(FULL_HOSTNAME)",
      "$ENV(HOME)",
      "x\u0000y",
      "x\u0085y",
    ];
    for (const value of hostile) {
      it(`refuses the tag value ${JSON.stringify(value)}`, () =>
        expectIssue(() => render({ tags: { k: value } }), "tags.k", "must not contain"));
      it(`refuses the owner ${JSON.stringify(value)}`, () =>
        expectIssue(() => render({ owners: ["alice", value] }), "owners[1]", "user name"));
      it(`refuses the name ${JSON.stringify(value)}`, () =>
        expectIssue(() => render({ name: value }), "name"));
    }
    for (const owner of ["a,b", "a b", "a@b"]) {
      it(`refuses the owner ${JSON.stringify(owner)}, which would widen the owner list`, () =>
        expectIssue(() => render({ owners: [owner] }), "owners[0]"));
    }
    it("refuses a collector host carrying a second line or a macro", () => {
      expectIssue(() => render({}, { collectorHost: "cm\nSTART = True" }), "collectorHost");
      expectIssue(() => render({}, { collectorHost: "$(CONDOR_HOST)" }), "collectorHost");
    });
    it("refuses an id that is not a ULID, and a non-integer idle timeout", () => {
      expectIssue(() => render({ id: 'x"\nSTART = True' }), "id");
      expectIssue(() => render({ idleTimeoutSeconds: 1.5 }), "idleTimeoutSeconds");
    });
    it("turns any tag key into one attribute name, whatever it contains", () => {
      const key = 'a\nSTART = True #$(X)"\\';
      const config = render({ tags: { [key]: "v" } });
      expect(tagAttributeName(key)).toBe("AnnexTag_a_START___True____X___");
      expect(config.split("\n")).toHaveLength(renderAnnexConfig(input).split("\n").length - 1);
      expect(macros(config).get("START")).toBe(macros(renderAnnexConfig(input)).get("START"));
    });
    it("refuses tag keys that would collide as attributes", () =>
      expectIssue(() => render({ tags: { "a-b": "1", A_b: "2" } }), "tags.A_b", "same attribute"));
    it("lists every refused field in one error", () => {
      try {
        render({ name: "-", owners: ["a b"], tags: { k: "$" } });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([
          "name",
          "owners[0]",
          "tags.k",
        ]);
      }
    });
  });

  it("keeps values allowed by validation inside their quotes, on their own line", () => {
    const value = "Grüße / a=b + c:d @ e#f";
    const config = render({ tags: { ...annex.tags, "team name": value } });
    expect(macros(config).get("AnnexTag_team_name")).toBe(`"${value}"`);
    expect(config.split("\n")).toHaveLength(renderAnnexConfig(input).split("\n").length + 1);
    const expansions = config.match(/\$/g) ?? [];
    expect(expansions).toHaveLength(2); // $(STARTD_ATTRS) and $(MASTER_ATTRS) only
  });
});

describe("scramblePoolPassword", () => {
  it("XORs each byte with DE AD BE EF, as condor_store_cred writes it, without a trailing NUL", () => {
    expect([...scramblePoolPassword("AAAAA")]).toEqual([
      0x41 ^ 0xde,
      0x41 ^ 0xad,
      0x41 ^ 0xbe,
      0x41 ^ 0xef,
      0x41 ^ 0xde,
    ]);
  });
});

describe("buildConfigBundle", () => {
  const createdAt = 1_700_000_000;
  const settings = { collectorHost: "cm.example.org:9618" };

  it("holds the config, the shutdown script and the scrambled pool password with their modes", () => {
    const entries = readTarGz(
      buildConfigBundle({
        annex: { ...annex, createdAt },
        settings,
        secret: { poolPassword: "s3cret" },
      }),
    );
    expect(entries.map(({ path, mode, type }) => ({ path, mode, type }))).toEqual([
      { path: "config.d/", mode: 0o755, type: "directory" },
      { path: "config.d/50-annex.config", mode: 0o644, type: "file" },
      { path: "annex/", mode: 0o755, type: "directory" },
      { path: "annex/master-shutdown.sh", mode: 0o755, type: "file" },
      { path: "passwords.d/", mode: 0o700, type: "directory" },
      { path: "passwords.d/POOL", mode: 0o600, type: "file" },
    ]);
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect(byPath.get("config.d/50-annex.config")?.content.toString()).toBe(
      renderAnnexConfig(input),
    );
    expect(byPath.get("annex/master-shutdown.sh")?.content.toString()).toBe(SHUTDOWN_SCRIPT);
    expect(byPath.get("passwords.d/POOL")?.content).toEqual(scramblePoolPassword("s3cret"));
    expect(
      entries.every((entry) => entry.uid === 0 && entry.gid === 0 && entry.mtime === createdAt),
    ).toBe(true);
  });

  it("holds the token (and no password) for a token pool, and configures IDTOKENS", () => {
    const entries = readTarGz(
      buildConfigBundle({
        annex: { ...annex, createdAt },
        settings,
        secret: { poolToken: "a.b.c" },
      }),
    );
    const byPath = new Map(entries.map((entry) => [entry.path, entry]));
    expect(byPath.get("tokens.d/annex.token")).toMatchObject({
      mode: 0o600,
      content: Buffer.from("a.b.c\n"),
    });
    expect(byPath.get("tokens.d/")?.mode).toBe(0o700);
    expect(byPath.has("passwords.d/POOL")).toBe(false);
    expect(byPath.get("config.d/50-annex.config")?.content.toString()).toContain(
      "SEC_DEFAULT_AUTHENTICATION_METHODS = FS, IDTOKENS\n",
    );
  });

  it("is byte-for-byte the same for the same annex", () => {
    const build = () =>
      buildConfigBundle({
        annex: { ...annex, createdAt },
        settings,
        secret: { poolPassword: "p" },
      });
    expect(build().equals(build())).toBe(true);
  });

  it("refuses a token that would break its file, and hostile config values", () => {
    expect(() =>
      buildConfigBundle({
        annex: { ...annex, createdAt },
        settings,
        secret: { poolToken: "a\nb" },
      }),
    ).toThrow(ValidationError);
    expect(() =>
      buildConfigBundle({
        annex: { ...annex, createdAt },
        settings,
        secret: { poolPassword: "a\u0000b" },
      }),
    ).toThrow(ValidationError);
    expect(() =>
      buildConfigBundle({
        annex: { ...annex, name: "a\nb", createdAt },
        settings,
        secret: { poolPassword: "p" },
      }),
    ).toThrow(ValidationError);
  });
});
