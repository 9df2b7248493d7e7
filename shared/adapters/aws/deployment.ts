/** What CloudFormation deployed, as check-setup sees it: the table, the functions, the instance profile. */

import { DescribeTableCommand, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { GetInstanceProfileCommand, IAMClient, NoSuchEntityException } from "@aws-sdk/client-iam";
import {
  GetFunctionCommand,
  LambdaClient,
  ResourceNotFoundException as NoFunction,
} from "@aws-sdk/client-lambda";
import { dynamoDb } from "./clients.ts";
import { isUsableCertificate } from "./identity-verifier.ts";

const iam = /* @__PURE__ */ new IAMClient({});
const lambda = /* @__PURE__ */ new LambdaClient({});

/** Reads of the deployed stack's resources. */
export const deployment = {
  /** Whether the stack was given the region's certificate for instance identity documents. */
  identityCertificateReady: (): boolean => isUsableCertificate(process.env.ANNEX_IDENTITY_CERT),

  async tableExists(table: string): Promise<boolean> {
    try {
      await dynamoDb.send(new DescribeTableCommand({ TableName: table }));
      return true;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return false;
      throw error;
    }
  },

  /** The names among `names` that have no deployed Lambda function. */
  async missingFunctions(names: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const name of names) {
      try {
        await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      } catch (error) {
        if (!(error instanceof NoFunction)) throw error;
        missing.push(name);
      }
    }
    return missing;
  },

  /** The ARN of the instance profile, or undefined if it does not exist. */
  async instanceProfileArn(name: string): Promise<string | undefined> {
    try {
      const result = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
      return result.InstanceProfile?.Arn;
    } catch (error) {
      if (error instanceof NoSuchEntityException) return undefined;
      throw error;
    }
  },
};
