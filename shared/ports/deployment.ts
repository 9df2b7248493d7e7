/** What the deployment (CloudFormation in AWS) made, as setup and check-setup see it. */

/** The names of the stack's resources. */
export interface StackNames {
  table: string;
  /** Full names of the stack's Lambda functions. */
  functions: string[];
  instanceProfile: string;
  /** The name setup gives the instances' security group. */
  securityGroup: string;
  /** The name setup gives the key pair it creates when asked. */
  keyPair: string;
}

/** Reads of the deployed stack's resources. */
export interface Deployment {
  tableExists(table: string): Promise<boolean>;
  /** The names among `names` that have no deployed Lambda function. */
  missingFunctions(names: string[]): Promise<string[]>;
  /** The ARN of the instance profile, or undefined if it does not exist. */
  instanceProfileArn(name: string): Promise<string | undefined>;
}
