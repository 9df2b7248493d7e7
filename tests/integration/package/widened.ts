/** Deliberately widened policies, each with what the policy rules must say about it. */

import { resourcesOf, statementsOfFunction, type Template } from "./template.ts";

/** The functions that terminate instances. */
const TERMINATING = [
  "create-annex",
  "stop-annex",
  "enforce-leases",
  "end-annexes",
  "handle-ec2-event",
];

const INSTANCES = {
  "Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*",
};

export const WIDENED: Array<{ name: string; widen(t: Template): void; caught: string[] }> = [
  {
    name: "ec2:* on every resource",
    widen: (t) =>
      statementsOfFunction(t, "stop-annex").push({
        Effect: "Allow",
        Action: "ec2:*",
        Resource: "*",
      }),
    caught: [
      "stop-annex: wildcard action ec2:*",
      'stop-annex: Resource "*" for ec2:* (only EC2 reads and the Price List take no resource)',
      "stop-annex: role grants ec2:*, which it does not call",
    ],
  },
  {
    name: "TerminateInstances without the tag condition",
    widen: (t) => {
      const statement = statementsOfFunction(t, "enforce-leases").find((s) =>
        [s.Action].flat().includes("ec2:TerminateInstances"),
      );
      if (statement === undefined)
        throw new Error("enforce-leases has no TerminateInstances statement");
      delete statement.Condition;
    },
    caught: [
      "enforce-leases: ec2:TerminateInstances without a condition on the resource's annex:id tag",
    ],
  },
  {
    name: "a negated tag condition (terminate what is NOT ours)",
    widen: (t) => {
      const statement = statementsOfFunction(t, "stop-annex").find((s) =>
        [s.Action].flat().includes("ec2:TerminateInstances"),
      );
      if (statement?.Condition)
        statement.Condition = { Null: { "ec2:ResourceTag/annex:id": "true" } };
    },
    caught: [
      "stop-annex: ec2:TerminateInstances without a condition on the resource's annex:id tag",
    ],
  },
  {
    name: "every function's TerminateInstances without the stage condition",
    widen: (t) => {
      for (const name of TERMINATING)
        for (const statement of statementsOfFunction(t, name))
          if ([statement.Action].flat().includes("ec2:TerminateInstances"))
            delete statement.Condition?.StringEqualsIfExists;
    },
    caught: TERMINATING.map(
      (name) =>
        `${name}: ec2:TerminateInstances without the resource's annex:stage tag equal to dev`,
    ),
  },
  {
    name: "fleets of any stage (a wildcard stage condition)",
    widen: (t) => {
      const statement = statementsOfFunction(t, "stop-annex").find((s) =>
        [s.Action].flat().includes("ec2:CancelSpotFleetRequests"),
      );
      if (statement?.Condition) {
        delete statement.Condition.StringEqualsIfExists;
        statement.Condition.StringLike = { "ec2:ResourceTag/annex:stage": "*" };
      }
    },
    caught: [
      "stop-annex: ec2:CancelSpotFleetRequests without the resource's annex:stage tag equal to dev",
    ],
  },
  {
    name: "launches without the stage's tag in the request",
    widen: (t) => {
      for (const statement of statementsOfFunction(t, "create-annex"))
        if (resourcesOf(statement).some((r) => r.endsWith(":instance/*")))
          delete statement.Condition?.StringEquals;
    },
    caught: [
      "create-annex: ec2:RunInstances on instance without aws:RequestTag/annex:stage = dev",
      "create-annex: ec2:CreateFleet on fleet, instance without aws:RequestTag/annex:stage = dev",
    ],
  },
  {
    name: "PassRole on role/*",
    widen: (t) =>
      statementsOfFunction(t, "create-annex").push({
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*" },
      }),
    caught: [
      "create-annex: iam:PassRole on arn:${AWS::Partition}:iam::${AWS::AccountId}:role/* (name the role)",
      "create-annex: iam:PassRole without iam:PassedToService",
    ],
  },
  {
    name: "an open function with RunInstances",
    widen: (t) =>
      statementsOfFunction(t, "health").push({
        Effect: "Allow",
        Action: "ec2:RunInstances",
        Resource: INSTANCES,
      }),
    caught: [
      "health (open: GET /health): may call ec2:RunInstances",
      "health: ec2:RunInstances on instance without aws:RequestTag/annex:id and aws:TagKeys",
      "health: role grants ec2:RunInstances, which it does not call",
    ],
  },
  {
    name: "an open function that writes the pool's secrets",
    widen: (t) =>
      statementsOfFunction(t, "record-heartbeat").push({
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: { "Fn::Sub": "${ConfigBucket.Arn}/pool/*" },
      }),
    caught: [
      "record-heartbeat (open: POST /heartbeat): may write secrets (s3:PutObject on ${ConfigBucket.Arn}/pool/*)",
    ],
  },
  {
    name: "security-group edits on any group",
    widen: (t) => {
      const statement = statementsOfFunction(t, "setup").find((s) =>
        [s.Action].flat().includes("ec2:AuthorizeSecurityGroupIngress"),
      );
      if (statement) delete statement.Condition;
    },
    caught: [
      "setup: ec2:AuthorizeSecurityGroupIngress without a condition on the resource's annex:security-group tag",
      "setup: ec2:RevokeSecurityGroupIngress without a condition on the resource's annex:security-group tag",
    ],
  },
  {
    name: "a role without what its function calls",
    widen: (t) => {
      const statements = statementsOfFunction(t, "record-heartbeat");
      const table = statements.findIndex((s) => [s.Action].flat().includes("dynamodb:PutItem"));
      statements.splice(table, 1);
    },
    caught: [
      "record-heartbeat: calls dynamodb:GetItem, which its role does not grant",
      "record-heartbeat: calls dynamodb:PutItem, which its role does not grant",
    ],
  },
  {
    name: "a function sharing another's role",
    widen: (t) => {
      const health = t.Resources.HealthLambdaFunction;
      if (health)
        health.Properties.Role = { "Fn::GetAtt": ["CreateDashannexIamRoleLambdaExecution", "Arn"] };
    },
    caught: [
      "health, create-annex: share one role",
      "health: role grants ec2:RunInstances, which it does not call",
    ],
  },
];
