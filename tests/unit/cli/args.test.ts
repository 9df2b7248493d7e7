import { describe, expect, it } from "vitest";
import { parseArgs } from "../../../cli/args.ts";
import { UsageError } from "../../../cli/errors.ts";

const usage = (argv: string[]) => {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no UsageError for ${argv.join(" ")}`);
};

describe("parseArgs", () => {
  it("reads condor_annex's create spelling as 'create'", () => {
    const inv = parseArgs([
      "-count",
      "1",
      "-annex-name",
      "MyFirstAnnex",
      "-duration",
      "0.83",
      "-idle",
      "0.25",
      "-aws-on-demand-ami-id",
      "ami-a2a795b4",
    ]);
    expect(inv.command).toBe("create");
    expect(inv.options).toMatchObject({
      count: "1",
      annexName: "MyFirstAnnex",
      duration: "0.83",
      idle: "0.25",
      imageId: "ami-a2a795b4",
    });
    expect([...inv.given]).toEqual(
      expect.arrayContaining(["count", "annex-name", "duration", "idle", "aws-on-demand-ami-id"]),
    );
  });

  it("accepts double dashes, --opt=value and the -annex alias", () => {
    const inv = parseArgs(["--count=3", "--annex", "X", "--yes"]);
    expect(inv.command).toBe("create");
    expect(inv.options).toMatchObject({ count: "3", annexName: "X", yes: true });
  });

  it("treats -slots and the fleet file as a create", () => {
    const inv = parseArgs([
      "-annex-name",
      "S",
      "-slots",
      "5",
      "-aws-spot-fleet-config-file",
      "f.json",
    ]);
    expect(inv.command).toBe("create");
    expect(inv.options.spotFleetConfigFile).toBe("f.json");
  });

  it("reads -annex-name X -duration H as a lease reset", () => {
    const inv = parseArgs(["-annex-name", "X", "-duration", "2"]);
    expect(inv.command).toBe("extend");
  });

  it("takes a negative number as a value, not an option", () => {
    expect(parseArgs(["-count", "1", "-annex-name", "X", "-duration", "-1"]).options.duration).toBe(
      "-1",
    );
  });

  it("maps -setup, -check-setup and -status to their commands", () => {
    expect(parseArgs(["-setup"]).command).toBe("setup");
    expect(parseArgs(["-check-setup"]).command).toBe("check-setup");
    const status = parseArgs(["-status", "-annex-name", "X", "-classads"]);
    expect(status.command).toBe("status");
    expect(status.options).toMatchObject({ annexName: "X", classad: true });
  });

  it("reads subcommands with positional names", () => {
    expect(parseArgs(["status", "X"])).toMatchObject({ command: "status", positionals: ["X"] });
    expect(parseArgs(["off", "X"])).toMatchObject({ command: "off", positionals: ["X"] });
    expect(parseArgs(["extend", "X", "-duration", "3"])).toMatchObject({
      command: "extend",
      positionals: ["X"],
      options: { duration: "3" },
    });
  });

  it("collects repeated -tag pairs", () => {
    const inv = parseArgs(["-count", "1", "-annex-name", "X", "-tag", "a", "1", "-tag", "b", "2"]);
    expect(inv.options.tags).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
  });

  it("turns --help, -h and 'help' into the help of the command", () => {
    expect(parseArgs(["--help"])).toMatchObject({ command: "help", helpAsked: true });
    expect(parseArgs(["create", "-h"])).toMatchObject({ command: "help", helpFor: "create" });
    expect(parseArgs(["help", "off"])).toMatchObject({ command: "help", helpFor: "off" });
    expect(parseArgs([])).toMatchObject({ command: "help", helpAsked: false });
    expect(parseArgs(["--json", "--url", "http://x"])).toMatchObject({
      command: "help",
      helpAsked: false,
    });
  });

  it("rejects unknown options, naming them", () => {
    expect(usage(["-count", "1", "-bogus"])).toBe(
      "unrecognized option (-bogus); try 'annex --help'.",
    );
  });

  it("explains condor_annex options that the service makes unnecessary", () => {
    expect(usage(["-count", "1", "-config-dir", "/x"])).toMatch(
      /^-config-dir is a condor_annex option/,
    );
  });

  it("rejects a missing value, including when the next word is an option", () => {
    expect(usage(["-count", "1", "-annex-name"])).toBe("-annex-name requires an argument.");
    expect(usage(["-annex-name", "-count", "1"])).toBe("-annex-name requires an argument.");
    expect(usage(["-count", "1", "-tag", "only"])).toMatch(/^-tag requires two arguments/);
  });

  it("rejects an option given twice with different values", () => {
    expect(usage(["-count", "1", "-count", "2"])).toBe("-count was given more than once.");
  });

  it("rejects options that do not belong to the command", () => {
    expect(usage(["status", "-count", "2"])).toBe("-count does not apply to 'annex status'.");
    expect(usage(["off", "X", "-yes"])).toBe("-yes does not apply to 'annex off'.");
  });

  it("rejects two commands", () => {
    expect(usage(["-setup", "-status"])).toMatch(/conflicts with 'setup'/);
  });

  it("points -annex X alone (condor_status -annex X) to 'annex status X'", () => {
    expect(usage(["-annex", "X"])).toBe(
      "to see annex X, run 'annex status X' (condor_status -annex). To reset its lease, add -duration HOURS; to start a new annex, use -count.",
    );
    expect(usage(["-annex-name", "X", "--url", "http://127.0.0.1:3000"])).toMatch(
      /^to see annex X, run 'annex status X'/,
    );
  });

  it("says what condor_annex said when the command cannot be told", () => {
    expect(usage(["-annex-name", "X", "-aws-on-demand-ami-id", "ami-12345678"])).toMatch(
      /^To change the lease duration of an existing annex/,
    );
    expect(usage(["-annex-name", "X", "-duration", "1", "-idle", "1"])).toMatch(
      /^You may not change the idle duration of existing instances/,
    );
  });
});
