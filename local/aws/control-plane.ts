/**
 * The local account's IAM and Lambda: the instance profiles, roles, users and functions the local
 * stack declares (what CloudFormation would have created in AWS), and the two reads check-setup
 * makes (GetInstanceProfile, GetFunction). STS asks it who an access key belongs to.
 */

import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../ec2/protocol/http.ts";
import { sendAwsError } from "./errors.ts";

const ACCOUNT = "000000000000";
const REGION = "us-east-1";

/** A long-term access key of a local IAM user. */
export interface LocalUser {
  userName: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface ControlPlane {
  /** Declares a Lambda function, as a deployed stack would have it. */
  addFunction(name: string): void;
  /** Declares an instance profile with its role, as a deployed stack would have it. */
  addInstanceProfile(name: string, roleName: string): void;
  /** The role of an instance profile, if the profile is declared. */
  roleOfInstanceProfile(profileName: string): string | undefined;
  /** Declares an IAM user with one long-term access key (known to STS). */
  addUser(user: LocalUser): void;
  /**
   * The user a long-term access key belongs to: a declared user; or, so that the static test
   * credentials keep working, any key not shaped like an AWS key (`AKIA`/`ASIA` + 16) whose
   * secret is the key itself (`local`/`local`, `test`/`test`), as user `<key>`. Else undefined.
   */
  userOf(accessKeyId: string): LocalUser | undefined;
  handle(req: IncomingMessage, res: ServerResponse, service: "iam" | "lambda"): Promise<void>;
}

/** IAM's unique id of a role (`AROA…`) or user (`AIDA…`), derived from its name. */
export function uniqueIdOf(prefix: "AROA" | "AIDA", name: string): string {
  const digest = createHash("sha256").update(`${prefix}:${name}`).digest();
  return `${prefix}${[...digest.subarray(0, 17)].map((b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32]).join("")}`;
}

/** Starts an empty control plane; the local stack declares its functions and profile. */
export function startControlPlane(): ControlPlane {
  const functions = new Set<string>();
  const profiles = new Map<string, string>();
  const users = new Map<string, LocalUser>();
  return {
    addFunction: (name) => void functions.add(name),
    addInstanceProfile: (name, roleName) => void profiles.set(name, roleName),
    roleOfInstanceProfile: (name) => profiles.get(name),
    addUser: (user) => void users.set(user.accessKeyId, { ...user }),
    userOf: (accessKeyId) =>
      users.get(accessKeyId) ??
      (/^A[A-Z]IA[A-Z0-9]{16}$/.test(accessKeyId)
        ? undefined
        : { userName: accessKeyId, accessKeyId, secretAccessKey: accessKeyId }),
    async handle(req, res, service) {
      if (service === "lambda") return getFunction(req, res, functions);
      const form = new URLSearchParams(await readBody(req));
      if (form.get("Action") !== "GetInstanceProfile") {
        return sendAwsError(
          req,
          res,
          400,
          "InvalidAction",
          `The local IAM serves only GetInstanceProfile, not '${form.get("Action") ?? ""}'.`,
        );
      }
      const name = form.get("InstanceProfileName") ?? "";
      const role = profiles.get(name);
      if (role === undefined) {
        return sendAwsError(
          req,
          res,
          404,
          "NoSuchEntity",
          `Instance Profile ${name} cannot be found.`,
        );
      }
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(instanceProfileXml(name, role));
    },
  };
}

function getFunction(req: IncomingMessage, res: ServerResponse, functions: Set<string>): void {
  const match = /^\/2015-03-31\/functions\/([^/]+)\/?$/.exec(
    new URL(req.url ?? "/", "http://l").pathname,
  );
  if (req.method !== "GET" || match === null) {
    sendAwsError(
      req,
      res,
      400,
      "InvalidRequestContentException",
      "The local Lambda serves only GetFunction.",
    );
    return;
  }
  const name = decodeURIComponent(match[1] ?? "");
  const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  if (!functions.has(name)) {
    res.writeHead(404, {
      "content-type": "application/json",
      "x-amzn-errortype": "ResourceNotFoundException",
    });
    res.end(JSON.stringify({ Type: "User", message: `Function not found: ${arn}` }));
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      Configuration: {
        FunctionName: name,
        FunctionArn: arn,
        Runtime: "nodejs22.x",
        State: "Active",
        LastUpdateStatus: "Successful",
      },
    }),
  );
}

function instanceProfileXml(name: string, roleName: string): string {
  const created = "2026-01-01T00:00:00Z";
  return `<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetInstanceProfileResult><InstanceProfile><InstanceProfileId>AIPA${name.length}LOCAL</InstanceProfileId><Roles><member><Path>/</Path><RoleName>${roleName}</RoleName><RoleId>${uniqueIdOf("AROA", roleName)}</RoleId><Arn>arn:aws:iam::${ACCOUNT}:role/${roleName}</Arn><CreateDate>${created}</CreateDate></member></Roles><InstanceProfileName>${name}</InstanceProfileName><Path>/</Path><Arn>arn:aws:iam::${ACCOUNT}:instance-profile/${name}</Arn><CreateDate>${created}</CreateDate></InstanceProfile></GetInstanceProfileResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetInstanceProfileResponse>`;
}
