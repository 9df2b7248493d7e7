/** What CloudFormation deployed, as check-setup sees it: the table, the functions, the instance profile. */

import { DescribeTableCommand, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { GetInstanceProfileCommand, IAMClient, NoSuchEntityException } from "@aws-sdk/client-iam";
import {
  GetFunctionCommand,
  LambdaClient,
  ResourceNotFoundException as NoFunction,
} from "@aws-sdk/client-lambda";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Deployment } from "../../ports/deployment.ts";

/** Reads of the deployed stack's resources over the SDK (IAM and Lambda clients of its own). */
export class AwsDeployment implements Deployment {
  private readonly iam = new IAMClient({});
  private readonly lambda = new LambdaClient({});

  constructor(private readonly db: DynamoDBDocumentClient) {}

  async tableExists(table: string): Promise<boolean> {
    try {
      await this.db.send(new DescribeTableCommand({ TableName: table }));
      return true;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return false;
      throw error;
    }
  }

  async missingFunctions(names: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const name of names) {
      try {
        await this.lambda.send(new GetFunctionCommand({ FunctionName: name }));
      } catch (error) {
        if (!(error instanceof NoFunction)) throw error;
        missing.push(name);
      }
    }
    return missing;
  }

  async instanceProfileArn(name: string): Promise<string | undefined> {
    try {
      const result = await this.iam.send(
        new GetInstanceProfileCommand({ InstanceProfileName: name }),
      );
      return result.InstanceProfile?.Arn;
    } catch (error) {
      if (error instanceof NoSuchEntityException) return undefined;
      throw error;
    }
  }
}
