import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BOOTSTRAP_SCRIPT } from "../../../instance/bootstrap-script.ts";
import {
  BOOTSTRAP_PART_NAME,
  extractBootstrapScript,
  InvalidUserDataError,
  renderScript,
  renderUserData,
  USER_DATA_LIMIT_BYTES,
} from "../../../instance/user-data.ts";

const API = "https://abc123.execute-api.us-east-1.amazonaws.com";
/** Where the instance's proof is signed for: the service's STS endpoint and server id. */
const PROOF = {
  stsUrl: "https://sts.us-east-1.amazonaws.com/",
  stsRegion: "us-east-1",
  serverId: "abc123.execute-api.us-east-1.amazonaws.com",
};

/** How cloud-init reads a MIME message: Python's email parser, part by part. */
function cloudInitParts(
  userData: string,
): { type: string; filename: string | null; body: string }[] {
  const program = `import email, json, sys
msg = email.message_from_string(sys.stdin.read())
print(json.dumps([{"type": p.get_content_type(), "filename": p.get_filename(), "body": p.get_payload()}
  for p in msg.walk() if not p.is_multipart()]))`;
  return JSON.parse(execFileSync("python3", ["-c", program], { input: userData }).toString());
}

/** The value bash gives a variable (API_URL_DEFAULT by default) in the rendered script. */
function bashValue(script: string, name = "API_URL_DEFAULT"): string {
  const line = script.split("\n").find((l) => l.startsWith(`${name}=`)) ?? "";
  return execFileSync("bash", ["-c", `${line}\nprintf %s "$${name}"`]).toString();
}

describe("renderUserData", () => {
  it("writes the API URL and boot grace into the script", () => {
    const script = renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900 });
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).not.toMatch(/@@[A-Z_]+@@/);
    expect(bashValue(script)).toBe(API);
    expect(script).toContain("BOOT_GRACE_DEFAULT='900'");
    execFileSync("bash", ["-n"], { input: script });
  });

  it.each([
    ["a quote breaking out of the bash string", `${API}/'; reboot; '`],
    ["a command substitution", `${API}/$(reboot)`],
    ["backticks", `${API}/\`reboot\``],
    ["a newline", `${API}/\nreboot`],
    ["a space", `${API}/a b`],
    ["a double quote", `${API}/"x`],
    ["a backslash", `${API}/\\x`],
    ["plain http to another host", "http://api.example.org"],
    ["credentials", "https://user:secret@api.example.org"],
    ["a query", `${API}/?x=1`],
    ["not a URL", "api.example.org"],
  ])("rejects an API URL with %s", (_, apiUrl) => {
    expect(() => renderUserData({ ...PROOF, apiUrl, bootGraceSeconds: 900 })).toThrow(TypeError);
  });

  it("accepts plain http on the loopback, for the local stack", () => {
    expect(
      bashValue(renderScript({ ...PROOF, apiUrl: "http://127.0.0.1:3000", bootGraceSeconds: 60 })),
    ).toBe("http://127.0.0.1:3000");
  });

  it("writes where and for whom the instance signs its proof", () => {
    const script = renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900 });
    expect(bashValue(script, "STS_URL")).toBe(PROOF.stsUrl);
    expect(bashValue(script, "STS_REGION")).toBe(PROOF.stsRegion);
    expect(bashValue(script, "SERVER_ID")).toBe(PROOF.serverId);
  });

  it.each([
    ["a server id breaking out of the bash string", { serverId: "x'; reboot; '" }],
    ["a server id with a space", { serverId: "a b" }],
    ["an STS URL with a command substitution", { stsUrl: "https://sts.example/$(reboot)" }],
    ["a region with a quote", { stsRegion: "us-east-1'" }],
  ])("rejects %s", (_, change) => {
    expect(() =>
      renderUserData({ ...PROOF, ...change, apiUrl: API, bootGraceSeconds: 900 }),
    ).toThrow(TypeError);
  });

  it.each([0, -5, 1.5, Number.NaN, 8 * 86_400])("rejects a boot grace of %s seconds", (seconds) => {
    expect(() => renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: seconds })).toThrow(
      RangeError,
    );
  });

  it("keeps the script well under EC2's 16 KB, leaving over 3 KB for the user's", () => {
    expect(
      Buffer.byteLength(renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900 })),
    ).toBeLessThan(13_000);
  });

  it("combines a user script with ours as a cloud-init multipart message, the user's first", () => {
    const userScript = "#!/bin/bash\necho 'preparing the node'\n";
    const parts = cloudInitParts(
      renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900, userData: userScript }),
    );
    expect(parts.map((p) => [p.type, p.filename])).toEqual([
      ["text/x-shellscript", "user-data"],
      ["text/x-shellscript", BOOTSTRAP_PART_NAME],
    ]);
    expect(parts[0]?.body).toBe(userScript.trimEnd());
    expect(bashValue(parts[1]?.body ?? "")).toBe(API);
  });

  it("carries cloud-config as text/cloud-config", () => {
    const parts = cloudInitParts(
      renderUserData({
        ...PROOF,
        apiUrl: API,
        bootGraceSeconds: 900,
        userData: "#cloud-config\npackages: [htop]\n",
      }),
    );
    expect(parts.map((p) => p.type)).toEqual(["text/cloud-config", "text/x-shellscript"]);
  });

  it("nests a user's own MIME multipart message", () => {
    const inner = [
      'Content-Type: multipart/mixed; boundary="inner"',
      "MIME-Version: 1.0",
      "",
      "--inner",
      "Content-Type: text/cloud-config",
      "",
      "#cloud-config",
      "packages: [htop]",
      "--inner--",
      "",
    ].join("\n");
    const parts = cloudInitParts(
      renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900, userData: inner }),
    );
    expect(parts.map((p) => p.type)).toEqual(["text/cloud-config", "text/x-shellscript"]);
  });

  it("refuses user data cloud-init would not run", () => {
    expect(() =>
      renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900, userData: "echo hi" }),
    ).toThrow(InvalidUserDataError);
  });

  it("refuses user data that would push the total past 16 KB, saying how much fits", () => {
    const userData = `#!/bin/bash\n${"# padding\n".repeat(800)}`;
    expect(() =>
      renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900, userData }),
    ).toThrow(new RegExp(`EC2 allows ${USER_DATA_LIMIT_BYTES}.*at most \\d+ bytes`));
  });

  it("renders the same bytes for the same request (client-token retries stay identical)", () => {
    const options = { ...PROOF, apiUrl: API, bootGraceSeconds: 900, userData: "#!/bin/sh\ntrue\n" };
    expect(renderUserData(options)).toBe(renderUserData(options));
  });
});

describe("extractBootstrapScript", () => {
  it("finds our script in plain and in multipart user data, and nothing in a user's own", () => {
    const plain = renderUserData({ ...PROOF, apiUrl: API, bootGraceSeconds: 900 });
    const combined = renderUserData({
      ...PROOF,
      apiUrl: API,
      bootGraceSeconds: 900,
      userData: "#!/bin/sh\ntrue\n",
    });
    expect(extractBootstrapScript(plain)).toBe(plain);
    expect(extractBootstrapScript(combined)).toBe(plain.trimEnd());
    expect(extractBootstrapScript("#!/bin/sh\ntrue\n")).toBeUndefined();
  });
});

describe("bootstrap-script.ts", () => {
  it("embeds the current bootstrap.sh (regenerate with `npx tsx instance/embed-script.ts`)", () => {
    expect(BOOTSTRAP_SCRIPT).toBe(
      readFileSync(new URL("../../../instance/bootstrap.sh", import.meta.url), "utf8"),
    );
  });
});
