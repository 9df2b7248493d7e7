/**
 * The EC2 user data for an annex instance: the bootstrap script with the API URL and boot grace
 * written in, combined with the user's own user data as a cloud-init MIME multipart message.
 */

import { createHash } from "node:crypto";
import { SERVER_ID_PATTERN } from "../shared/domain/instance-proof.ts";
import { BOOTSTRAP_SCRIPT } from "./bootstrap-script.ts";

/** EC2's limit on user data, in bytes before base64. */
export const USER_DATA_LIMIT_BYTES = 16_384;

/** The line that marks the bootstrap script (also how the local simulator finds it). */
export const BOOTSTRAP_MARKER = "# cloud-annex-bootstrap:";

/** The file name cloud-init gives our part; it sorts after the user's parts and `runcmd`. */
export const BOOTSTRAP_PART_NAME = "zz-cloud-annex-bootstrap.sh";

/** The user's user data cannot be combined with ours (unknown format, or too large). */
export class InvalidUserDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidUserDataError";
  }
}

/** What the bootstrap script has written in: where to bootstrap, and how to sign its proof. */
export interface ScriptOptions {
  /** Base URL of the cloud-annex API the instance calls (`/bootstrap`, `/heartbeat`). */
  apiUrl: string;
  /** The STS endpoint the service sends proofs to: the instance signs for its host. */
  stsUrl: string;
  /** The region the instance signs its proof for (the STS endpoint's). */
  stsRegion: string;
  /** This deployment's name, signed into the proof (`x-annex-server-id`). */
  serverId: string;
  /** Seconds the instance keeps trying to bootstrap before it powers itself off. */
  bootGraceSeconds: number;
}

export interface UserDataOptions extends ScriptOptions {
  /** The user's own user data: a script (`#!…`), cloud-config, or another cloud-init format. */
  userData?: string;
}

/** cloud-init's user-data formats, by how they start, with the MIME type of each. */
const FORMATS: [prefix: string, type: string][] = [
  ["#!", "text/x-shellscript"],
  ["#cloud-config-archive", "text/cloud-config-archive"],
  ["#cloud-config", "text/cloud-config"],
  ["#cloud-boothook", "text/cloud-boothook"],
  ["#include", "text/x-include-url"],
  ["#part-handler", "text/part-handler"],
  ["## template: jinja", "text/jinja2"],
];

/** Renders the user data string (plain text; the create path base64-encodes it). */
export function renderUserData(options: UserDataOptions): string {
  const script = renderScript(options);
  const userData = options.userData ?? "";
  const rendered = userData.trim() === "" ? script : multipart(userData, script);
  const size = Buffer.byteLength(rendered, "utf8");
  if (size > USER_DATA_LIMIT_BYTES) {
    throw new InvalidUserDataError(
      `user data is ${size} bytes with the cloud-annex bootstrap script; EC2 allows ${USER_DATA_LIMIT_BYTES}. ` +
        `Shorten yours to at most ${USER_DATA_LIMIT_BYTES - (size - Buffer.byteLength(userData, "utf8"))} bytes.`,
    );
  }
  return rendered;
}

/** The bootstrap script with its values written in; rejects anything that could escape quoting. */
export function renderScript(options: ScriptOptions): string {
  const { apiUrl, stsUrl, stsRegion, serverId, bootGraceSeconds } = options;
  if (
    !Number.isSafeInteger(bootGraceSeconds) ||
    bootGraceSeconds < 1 ||
    bootGraceSeconds > 7 * 86_400
  ) {
    throw new RangeError(
      `bootGraceSeconds must be a whole number of seconds from 1 to 604800, not ${bootGraceSeconds}`,
    );
  }
  return BOOTSTRAP_SCRIPT.replace("@@API_URL@@", () => checkApiUrl(apiUrl))
    .replace("@@STS_URL@@", () => checkUrlText(stsUrl, "the STS URL"))
    .replace("@@STS_REGION@@", () => checkWord(stsRegion, /^[a-z0-9-]{1,32}$/, "the STS region"))
    .replace("@@SERVER_ID@@", () => checkWord(serverId, SERVER_ID_PATTERN, "the server id"))
    .replace("@@BOOT_GRACE_SECONDS@@", String(bootGraceSeconds));
}

function checkWord(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value))
    throw new TypeError(`${what} holds characters that are not allowed in user data`);
  return value;
}

/** A URL holding only characters that stay as they are between the script's single quotes. */
function checkUrlText(url: string, what: string): string {
  if (!/^[A-Za-z0-9\-._~:/?#[\]@!&()*+,;=%]{1,2048}$/.test(url))
    throw new TypeError(`${what} holds characters that are not allowed in user data`);
  return url;
}

/** Returns the bootstrap script carried in user data (plain or multipart), if any. */
export function extractBootstrapScript(userData: string): string | undefined {
  if (userData.startsWith("#!")) return userData.includes(BOOTSTRAP_MARKER) ? userData : undefined;
  const boundary = /^Content-Type:\s*multipart\/mixed;\s*boundary="([^"]+)"/im.exec(userData)?.[1];
  if (boundary === undefined) return undefined;
  for (const part of userData.split(`\n--${boundary}`).slice(1)) {
    const body = part.slice(part.indexOf("\n\n") + 2);
    if (body.startsWith("#!") && body.includes(BOOTSTRAP_MARKER)) return body;
  }
  return undefined;
}

function checkApiUrl(apiUrl: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch (cause) {
    throw new TypeError(`the API URL '${apiUrl}' is not a URL`, { cause });
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  checkUrlText(apiUrl, "the API URL");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new TypeError("the API URL must be https (plain http only on the loopback)");
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new TypeError("the API URL must not carry credentials, a query or a fragment");
  }
  return apiUrl;
}

function multipart(userData: string, script: string): string {
  const text = userData.replace(/^\uFEFF/, "");
  const nested = /^(Content-Type|MIME-Version):/i.test(text);
  const type = FORMATS.find(([prefix]) => text.startsWith(prefix))?.[1];
  if (!nested && type === undefined) {
    throw new InvalidUserDataError(
      "user data must be a script (#!…), cloud-config (#cloud-config) or a MIME multipart message",
    );
  }
  // Deterministic, so that a retried create sends identical parameters to RunInstances.
  const digest = createHash("sha256").update(text).update(script).digest("hex").slice(0, 32);
  const boundary = `==cloud-annex-${digest}==`;
  if (text.includes(boundary))
    throw new InvalidUserDataError("user data contains the MIME boundary");
  const part = (headers: string, body: string) =>
    `--${boundary}\n${headers}${body.endsWith("\n") ? body : `${body}\n`}`;
  const attach = (mime: string, name: string, body: string) =>
    part(
      `Content-Type: ${mime}; charset="utf-8"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n` +
        `Content-Disposition: attachment; filename="${name}"\n\n`,
      body,
    );
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n`,
    nested ? part("", text) : attach(type ?? "", "user-data", text),
    attach("text/x-shellscript", BOOTSTRAP_PART_NAME, script),
    `--${boundary}--\n`,
  ].join("");
}
