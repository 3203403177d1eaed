import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { handlerEntry } from './workflow-functions.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Powertools settings every function shares; one service, one metrics namespace. */
export const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'self-healing',
  POWERTOOLS_METRICS_NAMESPACE: 'SelfHealing',
} as const;

/**
 * ESM bundles have no `require`; a few CommonJS dependencies still call it
 * for Node built-ins. The alias keeps the banner clear of bundled names.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __selfHealingCreateRequire } from 'node:module';" +
  'const require = __selfHealingCreateRequire(import.meta.url);';

export interface RemediationFunctionProps {
  /** Folder under `lambdas/` that holds `index.ts` with the `handler` export. */
  readonly directory: string;

  /** What the function does, shown in the Lambda console. */
  readonly description: string;

  /**
   * Longest a single invocation may run. For a function a state machine calls,
   * keep it below the `TimeoutSeconds` of every state that calls it, so the
   * function times out (a Lambda error the state can catch) before the state does.
   */
  readonly timeout: Duration;

  /**
   * Variables added to the shared Powertools and source-map settings.
   *
   * @default - only the shared settings
   */
  readonly environment?: Record<string, string>;

  /**
   * How long the function's log group keeps its events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Memory, and with it CPU, for the function.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * Identifiers replaced by constant values in the bundle at build time
   * (esbuild `define`), for data too large for an environment variable.
   *
   * @default - none
   */
  readonly define?: Record<string, string>;

  /**
   * Physical name of the function. Only for a function whose own ARN must be
   * known without referencing it (e.g. in its own environment).
   *
   * @default - a name CloudFormation generates
   */
  readonly functionName?: string;

  /**
   * Concurrent executions reserved for the function, which are also its ceiling.
   *
   * @default - no reservation: the function draws on the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * VPC to run the function in, for a function that must reach a resource
   * inside it (a database). Its subnets need a route to the AWS APIs the
   * function calls: a NAT gateway, or VPC endpoints for those services.
   *
   * @default - outside any VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` the function's network interfaces go in. Only with `vpc`.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the function's network interfaces. Only with `vpc`.
   *
   * @default - a new security group that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * What Lambda does with the execution role of a function in a VPC: create,
 * describe and delete its network interfaces (the actions of the AWS managed
 * `AWSLambdaVPCAccessExecutionRole`, which the function's role does not hold).
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * A Node.js Lambda function with the settings every self-healing function
 * shares: newest Node.js runtime on arm64, X-Ray tracing, JSON logs in its own
 * log group with a retention, and an ESM bundle built by the local esbuild.
 *
 * It runs under its own role that holds no managed policy: only write access
 * to its own log group, X-Ray, and what the caller grants.
 */
export class RemediationFunction extends NodejsFunction {
  /** The function's execution role; grants land here. */
  declare readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RemediationFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the self-healing ${id} function`,
    });

    super(scope, id, {
      entry: handlerEntry(props.directory),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      ...(props.functionName === undefined ? {} : { functionName: props.functionName }),
      ...(props.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(props.vpc === undefined
        ? {}
        : {
            vpc: props.vpc,
            ...(props.vpcSubnets === undefined ? {} : { vpcSubnets: props.vpcSubnets }),
            ...(props.securityGroups === undefined ? {} : { securityGroups: props.securityGroups }),
          }),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      environment: {
        ...POWERTOOLS_ENVIRONMENT,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node24',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        externalModules: ['@aws-sdk/*'],
        ...(props.define === undefined ? {} : { define: props.define }),
      },
    });

    logGroup.grantWrite(role);
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords, added for active tracing, support no ' +
        'resource-level permissions; every other statement in this policy names its resources.',
    });
    if (props.vpc !== undefined) {
      this.addUnscopedPermissions(
        'VpcNetworkInterfaces',
        VPC_NETWORK_INTERFACE_ACTIONS,
        'Lambda manages the network interfaces of a function in a VPC with its execution role; these are the ' +
          'actions of the AWS managed AWSLambdaVPCAccessExecutionRole. The interface ids are generated by Lambda ' +
          'and ec2:Describe* supports no resource-level permissions, so they are granted on "*".',
      );
    } else if (props.vpcSubnets !== undefined || props.securityGroups !== undefined) {
      throw new Error(`RemediationFunction ${id}: vpcSubnets and securityGroups need a vpc`);
    }
  }

  /**
   * Allows actions that support no resource-level permissions (`Resource: *`).
   * They get a policy of their own, so the acknowledgement that the wildcard
   * needs covers exactly these actions and says why.
   *
   * @param id construct id of the policy, e.g. `DescribeAutoScalingGroups`
   * @param actions IAM actions that cannot be scoped to a resource
   * @param reason why the actions are needed and cannot be scoped
   */
  public addUnscopedPermissions(id: string, actions: string[], reason: string): iam.Policy {
    const policy = new iam.Policy(this, id, {
      statements: [new iam.PolicyStatement({ actions, resources: ['*'] })],
    });
    policy.attachToRole(this.role);
    this.node.addDependency(policy);
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
    return policy;
  }
}
