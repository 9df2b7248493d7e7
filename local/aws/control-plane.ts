/**
 * The IAM and Lambda reads check-setup makes (GetInstanceProfile, GetFunction), answered for the
 * resources the local stack declares — what CloudFormation would have created in AWS.
 */

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../ec2/protocol/http.ts";
import { sendAwsError } from "./errors.ts";

const ACCOUNT = "000000000000";
const REGION = "us-east-1";

export interface ControlPlane {
  /** Declares a Lambda function, as a deployed stack would have it. */
  addFunction(name: string): void;
  /** Declares an instance profile with its role, as a deployed stack would have it. */
  addInstanceProfile(name: string, roleName: string): void;
  handle(req: IncomingMessage, res: ServerResponse, service: "iam" | "lambda"): Promise<void>;
}

/** Starts an empty control plane; the local stack declares its functions and profile. */
export function startControlPlane(): ControlPlane {
  const functions = new Set<string>();
  const profiles = new Map<string, string>();
  return {
    addFunction: (name) => void functions.add(name),
    addInstanceProfile: (name, roleName) => void profiles.set(name, roleName),
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
  return `<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetInstanceProfileResult><InstanceProfile><InstanceProfileId>AIPA${name.length}LOCAL</InstanceProfileId><Roles><member><Path>/</Path><RoleName>${roleName}</RoleName><RoleId>AROALOCAL</RoleId><Arn>arn:aws:iam::${ACCOUNT}:role/${roleName}</Arn><CreateDate>${created}</CreateDate></member></Roles><InstanceProfileName>${name}</InstanceProfileName><Path>/</Path><Arn>arn:aws:iam::${ACCOUNT}:instance-profile/${name}</Arn><CreateDate>${created}</CreateDate></InstanceProfile></GetInstanceProfileResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetInstanceProfileResponse>`;
}
