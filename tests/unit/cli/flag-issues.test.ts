import { describe, expect, it } from "vitest";
import { issuesInFlags } from "../../../cli/flag-issues.ts";

const none = new Set<string>();

describe("issuesInFlags", () => {
  it("names the flag that fills each field, and the limit", () => {
    expect(issuesInFlags([{ path: "count", message: "must be at most 50" }], none)).toBe(
      "-count must be at most 50",
    );
    expect(
      issuesInFlags(
        [{ path: "limits.maxDurationHours", message: "must be at most 8760 hours" }],
        none,
      ),
    ).toBe("-max-duration must be at most 8760 hours");
  });

  it("says other fields a message mentions as flags too", () => {
    expect(
      issuesInFlags([{ path: "idleHours", message: "must not exceed durationHours (1)" }], none),
    ).toBe("-idle must not exceed -duration (1)");
  });

  it("names the flag that was typed when two fill the same field", () => {
    const issue = { path: "userData", message: "must be at most 16384 bytes" };
    expect(issuesInFlags([issue], new Set(["aws-user-data-file"]))).toBe(
      "-aws-user-data-file must be at most 16384 bytes",
    );
    expect(issuesInFlags([issue], none)).toBe("-aws-user-data must be at most 16384 bytes");
  });

  it("names the image option as the kind of annex spells it", () => {
    const issue = { path: "imageId", message: "is required: setup stored no default image" };
    expect(issuesInFlags([issue], new Set(["count"]))).toBe(
      "-aws-on-demand-ami-id is required: setup stored no default image",
    );
    expect(issuesInFlags([issue], new Set(["cores", "aws-instance-types"]))).toBe(
      "-aws-ami-id is required: setup stored no default image",
    );
    expect(
      issuesInFlags([{ path: "imageId", message: "is not valid" }], new Set(["aws-vcpus"])),
    ).toBe("-aws-ami-id is not valid");
  });

  it("points into lists, tags and files", () => {
    expect(
      issuesInFlags([{ path: "owners[1]", message: "must be an HTCondor user name" }], none),
    ).toBe("-owner (item 2) must be an HTCondor user name");
    expect(issuesInFlags([{ path: 'tags["a:b"]', message: "is reserved" }], none)).toBe(
      '-tag "a:b" is reserved',
    );
    expect(
      issuesInFlags(
        [{ path: "spotFleetConfig.LaunchSpecifications[0].ImageId", message: "is not valid" }],
        none,
      ),
    ).toBe("-aws-spot-fleet-config-file LaunchSpecifications[0].ImageId is not valid");
  });

  it("says what a required option is for", () => {
    expect(
      issuesInFlags(
        [{ path: "poolPassword", message: "is required (or poolToken): none is stored" }],
        none,
      ),
    ).toBe(
      "-pool-password-file is required (or -pool-token-file): none is stored (-pool-password-file FILE: a file holding the pool password, for HTCondor's PASSWORD authentication; -pool-token-file FILE: a file holding an HTCondor IDTOKEN the instances join the pool with)",
    );
  });

  it("keeps the API's name for a field no flag fills, and says each issue once", () => {
    const issue = { path: "clientToken", message: "must be 1 to 64 printable ASCII characters" };
    expect(issuesInFlags([issue, issue], none)).toBe(
      "clientToken must be 1 to 64 printable ASCII characters",
    );
  });
});
