import { describe, expect, it } from "vitest";
import { isAdmin, parseAdmins } from "../../../shared/domain/admins.ts";

const ROLE = "arn:aws:iam::123456789012:role/AnnexAdmins";

describe("isAdmin", () => {
  it("matches a listed user exactly", () => {
    expect(
      isAdmin("arn:aws:iam::123456789012:user/alice", ["arn:aws:iam::123456789012:user/alice"]),
    ).toBe(true);
    expect(
      isAdmin("arn:aws:iam::123456789012:user/alicia", ["arn:aws:iam::123456789012:user/alice"]),
    ).toBe(false);
  });

  it("takes any session of a listed role (with or without a path) as that role", () => {
    const session = "arn:aws:sts::123456789012:assumed-role/AnnexAdmins/alice@example.org";
    expect(isAdmin(session, [ROLE])).toBe(true);
    expect(isAdmin(session, ["arn:aws:iam::123456789012:role/teams/AnnexAdmins"])).toBe(true);
  });

  it("does not take a session of another role, account or partition", () => {
    expect(isAdmin("arn:aws:sts::123456789012:assumed-role/AnnexAdminsX/s", [ROLE])).toBe(false);
    expect(isAdmin("arn:aws:sts::999999999999:assumed-role/AnnexAdmins/s", [ROLE])).toBe(false);
    expect(isAdmin("arn:aws-cn:sts::123456789012:assumed-role/AnnexAdmins/s", [ROLE])).toBe(false);
    expect(isAdmin("arn:aws:iam::123456789012:user/AnnexAdmins", [ROLE])).toBe(false);
  });
});

describe("parseAdmins", () => {
  it("reads a comma-separated list of ARNs, spaces and empty entries ignored", () => {
    expect(parseAdmins(` ${ROLE}, ,arn:aws:iam::123456789012:user/bob `)).toEqual({
      admins: [ROLE, "arn:aws:iam::123456789012:user/bob"],
    });
    expect(parseAdmins("")).toEqual({ admins: [] });
    expect(parseAdmins(undefined)).toEqual({ admins: [] });
  });

  it("reports an entry that is not an IAM ARN", () => {
    expect(parseAdmins(`${ROLE},bob`)).toEqual({
      problem: "ANNEX_ADMINS lists something that is not an IAM ARN: bob",
    });
  });
});
