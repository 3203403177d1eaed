import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScopeSchema } from '../../lambdas/shared/scope.js';
import type { PostgresDatabaseTarget } from '../../lib/postgres-database-target.js';
import { InvalidResourceScopeError } from '../../lib/resource-scope.js';
import { SelfHealing, type SelfHealingProps } from '../../lib/self-healing.js';
import { VPC_NETWORK_INTERFACE_ACTIONS } from '../../lib/remediation-function.js';
import { parseSelfHealingConfig } from '../../lib/self-healing-config.js';
import { POSTGRES_CONFIG, synthesizeTestStack, testStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
type Construct = { node: { defaultChild?: unknown } };

const READER_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:selfheal-reader-AbCdEf';
const ACTOR_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:selfheal-actor-GhIjKl';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

/** A CloudFormation value as text: `Ref` as `<Id>`, `Fn::GetAtt` as `<Id.Attr>`, `Fn::Join` joined. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `<${String(object.Ref)}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** Who may do what, by role logical id, in a synthesized stack. */
function inspect(stack: Stack, selfHealing: SelfHealing) {
  const template = Template.fromStack(stack);
  const logicalId = (construct: Construct) => stack.getLogicalId(construct.node.defaultChild as never);
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
  /** The roles holding a statement that grants `action`, with the statement's resources as text. */
  const grantsOf = (action: string) =>
    Object.values(policies).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[])
        .filter((statement) => [statement.Action].flat().includes(action))
        .map((statement) => ({
          roles: (policy.Properties.Roles as { Ref: string }[]).map((ref) => ref.Ref),
          resources: [statement.Resource].flat().map(render).sort(),
          condition: statement.Condition,
        })),
    );
  const roleOf = (id: 'InspectPostgres' | 'CreatePostgresIndex') => logicalId(selfHealing.workflowFunctions[id].role);
  const functionOf = (id: 'InspectPostgres' | 'CreatePostgresIndex') => logicalId(selfHealing.workflowFunctions[id]);
  const resourceScopeOf = (id: 'InspectPostgres' | 'CreatePostgresIndex') =>
    (template.toJSON().Resources[functionOf(id)] as Resource).Properties.Environment.Variables.RESOURCE_SCOPE as unknown;
  return { template, logicalId, grantsOf, roleOf, functionOf, resourceScopeOf };
}

/** A stack with a VPC, an RDS for PostgreSQL instance created in it, and two secrets created next to it. */
function createdDatabaseStack(overrides: Partial<PostgresDatabaseTarget> = {}, props: Partial<SelfHealingProps> = {}) {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const instance = new rds.DatabaseInstance(stack, 'Database', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    instanceIdentifier: 'shop-db',
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    credentials: rds.Credentials.fromGeneratedSecret('postgres'),
    storageEncrypted: true,
  });
  const readerSecret = new secretsmanager.Secret(stack, 'ReaderSecret');
  const actorSecret = new secretsmanager.Secret(stack, 'ActorSecret');
  const target: PostgresDatabaseTarget = {
    alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'SlowQueries', 'shop-db-slow-queries')],
    instance,
    databaseName: 'shop',
    readerSecret,
    actorSecret,
    performanceInsightsResourceId: instance.instanceResourceId,
    ...overrides,
  };
  const selfHealing = new SelfHealing(stack, 'SelfHealing', {
    postgresDatabases: [target],
    databaseNetwork: { vpc },
    ...props,
  });
  return { stack, vpc, instance, readerSecret, actorSecret, selfHealing };
}

/** A stack with an imported VPC, an imported instance and its security group, and secrets imported by complete ARN. */
function importedDatabaseStack(overrides: Partial<PostgresDatabaseTarget> = {}, props: Partial<SelfHealingProps> = {}) {
  const stack = testStack();
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.0.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    privateSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'],
  });
  const databaseGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'DatabaseGroup', 'sg-0db0db0db0db0db00');
  const instance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Database', {
    instanceIdentifier: 'orders-db',
    instanceEndpointAddress: 'orders-db.abcdefghijkl.eu-west-1.rds.amazonaws.com',
    port: 5432,
    securityGroups: [databaseGroup],
  });
  const target: PostgresDatabaseTarget = {
    alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'SlowQueries', 'orders-db-slow-queries')],
    instance,
    databaseName: 'orders',
    schemas: ['public', 'sales'],
    readerSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ReaderSecret', READER_ARN),
    actorSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ActorSecret', ACTOR_ARN),
    secretsEncryptionKey: kms.Key.fromKeyArn(stack, 'SecretsKey', KEY_ARN),
    performanceInsightsResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY0',
    minCostReduction: 0.6,
    minImprovement: 0.25,
    guardrails: { maxTableBytes: 1024 ** 3, maxIndexesPerTable: 6, maintenanceWindow: { days: [1, 2, 3], startHourUtc: 1, endHourUtc: 5 } },
    ...overrides,
  };
  const selfHealing = new SelfHealing(stack, 'SelfHealing', {
    postgresDatabases: [target],
    databaseNetwork: { vpc },
    ...props,
  });
  return { stack, vpc, databaseGroup, instance, selfHealing };
}

describe('PostgresDatabaseTarget with a database and secrets created in the stack', () => {
  let built: ReturnType<typeof createdDatabaseStack>;
  let inspected: ReturnType<typeof inspect>;

  beforeAll(() => {
    built = createdDatabaseStack();
    inspected = inspect(built.stack, built.selfHealing);
  });

  it('runs the two PostgreSQL functions, and only them, in the VPC with the functions\' security group', () => {
    const { template, functionOf, logicalId } = inspected;
    const inVpc = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>)
      .filter(([, fn]) => fn.Properties.VpcConfig !== undefined)
      .map(([id]) => id)
      .sort();
    expect(inVpc).toEqual([functionOf('CreatePostgresIndex'), functionOf('InspectPostgres')].sort());
    const groupId = { 'Fn::GetAtt': [logicalId(built.selfHealing.databaseNetwork!.securityGroup as never), 'GroupId'] };
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Timeout: 120,
      VpcConfig: { SecurityGroupIds: [groupId], SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('PrivateSubnet') }]) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900, VpcConfig: { SecurityGroupIds: [groupId] } });
  });

  it('opens the database\'s security group to the functions\' on the database port, and the functions\' egress to it', () => {
    const { template, logicalId } = inspected;
    const functionsGroup = logicalId(built.selfHealing.databaseNetwork!.securityGroup as never);
    const databaseGroup = logicalId(built.instance.connections.securityGroups[0] as never);
    const port = { 'Fn::GetAtt': [logicalId(built.instance), 'Endpoint.Port'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [databaseGroup, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [functionsGroup, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [functionsGroup, 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [databaseGroup, 'GroupId'] },
      FromPort: port,
    });
    // No all-traffic egress: HTTPS for the AWS APIs, and the database port.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
    });
  });

  it('lets InspectPostgres read the reader secret only, and CreatePostgresIndex the reader and actor secrets', () => {
    const { grantsOf, roleOf, logicalId } = inspected;
    const reader = `<${logicalId(built.readerSecret)}>`;
    const actor = `<${logicalId(built.actorSecret)}>`;
    const grants = grantsOf('secretsmanager:GetSecretValue').filter((grant) => grant.resources.some((arn) => arn === reader || arn === actor));
    expect(grants.map(({ roles, resources }) => [roles, resources])).toEqual(
      expect.arrayContaining([
        [[roleOf('InspectPostgres')], [reader]],
        [[roleOf('CreatePostgresIndex')], [actor, reader].sort()],
      ]),
    );
    expect(grants).toHaveLength(2);
  });

  it('allows the two Performance Insights reads on the instance\'s metrics to InspectPostgres alone', () => {
    const { grantsOf, roleOf, logicalId } = inspected;
    const metrics = `arn:<AWS::Partition>:pi:<AWS::Region>:<AWS::AccountId>:metrics/rds/<${logicalId(built.instance)}.DbiResourceId>`;
    for (const action of ['pi:DescribeDimensionKeys', 'pi:GetResourceMetrics']) {
      expect(grantsOf(action).map(({ roles, resources }) => [roles, resources])).toEqual([[[roleOf('InspectPostgres')], [metrics]]]);
    }
  });

  it('puts the rds-postgres entry, with the deploy-time secret ARNs, into RESOURCE_SCOPE', () => {
    const { resourceScopeOf, logicalId } = inspected;
    const scope = render(resourceScopeOf('InspectPostgres'));
    expect(scope).toContain('"kind":"rds-postgres","name":"shop-db","engine":"instance","database":"shop","schemas":["public"]');
    expect(scope).toContain(`"readerSecretArn":"<${logicalId(built.readerSecret)}>"`);
    expect(scope).toContain(`"actorSecretArn":"<${logicalId(built.actorSecret)}>"`);
    expect(scope).toContain(`"performanceInsightsResourceId":"<${logicalId(built.instance)}.DbiResourceId>"`);
    expect(render(resourceScopeOf('CreatePostgresIndex'))).toBe(scope);
    expect(built.selfHealing.resourceScope.resources[0]).toMatchObject({ minCostReduction: 0.5, minImprovement: 0.3, indexGuardrails: { maxIndexesPerTable: 10 } });
  });

  it('lets Lambda manage the network interfaces of the two VPC functions only', () => {
    const { grantsOf, roleOf } = inspected;
    const holders = grantsOf('ec2:CreateNetworkInterface').flatMap(({ roles }) => roles).sort();
    expect(holders).toEqual([roleOf('CreatePostgresIndex'), roleOf('InspectPostgres')].sort());
    for (const action of VPC_NETWORK_INTERFACE_ACTIONS) expect(grantsOf(action)).toHaveLength(2);
  });

  it('gives CreatePostgresIndex the idempotency table and the lifecycle notifications, and both the RDS certificate authorities', () => {
    const { template, functionOf } = inspected;
    const variables = (template.toJSON().Resources[functionOf('CreatePostgresIndex')] as Resource).Properties.Environment.Variables;
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(['TABLE_NAME', 'RESOURCE_SCOPE', 'NOTIFICATION_TOPIC_ARN']));
    const inspectVariables = (template.toJSON().Resources[functionOf('InspectPostgres')] as Resource).Properties.Environment.Variables;
    expect(Object.keys(inspectVariables)).not.toContain('TABLE_NAME');
    // TLS to RDS with the server certificate verified against the RDS CAs the runtime ships.
    expect(variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
    expect(inspectVariables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
  });

  it('creates no VPC endpoint unless asked', () => {
    inspected.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });
});

describe('PostgresDatabaseTarget with an imported database and secrets imported by ARN', () => {
  let built: ReturnType<typeof importedDatabaseStack>;
  let inspected: ReturnType<typeof inspect>;

  beforeAll(() => {
    built = importedDatabaseStack();
    inspected = inspect(built.stack, built.selfHealing);
  });

  it('writes every field of the target into RESOURCE_SCOPE, valid for the functions\' schema', () => {
    const scope = ScopeSchema.parse(JSON.parse(inspected.resourceScopeOf('InspectPostgres') as string));
    expect(scope.resources).toEqual([
      expect.objectContaining({
        kind: 'rds-postgres',
        name: 'orders-db',
        engine: 'instance',
        database: 'orders',
        schemas: ['public', 'sales'],
        readerSecretArn: READER_ARN,
        actorSecretArn: ACTOR_ARN,
        performanceInsightsResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY0',
        minCostReduction: 0.6,
        minImprovement: 0.25,
        indexGuardrails: {
          maxTableBytes: 1024 ** 3,
          maxWritesPerSecond: 1_000,
          maxIndexesPerTable: 6,
          maintenanceWindow: { days: [1, 2, 3], startHourUtc: 1, endHourUtc: 5 },
        },
        alarmNames: ['orders-db-slow-queries'],
      }),
    ]);
  });

  it('grants GetSecretValue on the exact ARNs: reader to both functions, actor to CreatePostgresIndex only', () => {
    const { grantsOf, roleOf } = inspected;
    const grants = grantsOf('secretsmanager:GetSecretValue').map(({ roles, resources }) => [roles, resources]);
    expect(grants).toEqual(
      expect.arrayContaining([
        [[roleOf('InspectPostgres')], [READER_ARN]],
        [[roleOf('CreatePostgresIndex')], [ACTOR_ARN, READER_ARN].sort()],
      ]),
    );
    expect(grants.filter(([, resources]) => resources.includes(ACTOR_ARN))).toHaveLength(1);
  });

  it('allows kms:Decrypt on the secrets\' key through Secrets Manager only', () => {
    const { grantsOf, roleOf } = inspected;
    const grants = grantsOf('kms:Decrypt').filter(({ resources }) => resources.includes(KEY_ARN));
    expect(grants.flatMap(({ roles }) => roles).sort()).toEqual([roleOf('CreatePostgresIndex'), roleOf('InspectPostgres')].sort());
    for (const grant of grants) {
      expect(render((grant.condition as any).StringEquals['kms:ViaService'])).toBe('secretsmanager.<AWS::Region>.amazonaws.com');
    }
  });

  it('allows the Performance Insights reads on the literal metrics ARN', () => {
    const metrics = 'arn:<AWS::Partition>:pi:<AWS::Region>:<AWS::AccountId>:metrics/rds/db-ABCDEFGHIJKLMNOPQRSTUVWXY0';
    expect(inspected.grantsOf('pi:GetResourceMetrics').map(({ roles, resources }) => [roles, resources])).toEqual([[[inspected.roleOf('InspectPostgres')], [metrics]]]);
  });

  it('opens the imported security group to the functions on 5432', () => {
    const functionsGroup = inspected.logicalId(built.selfHealing.databaseNetwork!.securityGroup as never);
    inspected.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0db0db0db0db0db00',
      SourceSecurityGroupId: { 'Fn::GetAtt': [functionsGroup, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
    });
    inspected.template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      DestinationSecurityGroupId: 'sg-0db0db0db0db0db00',
      FromPort: 5432,
      ToPort: 5432,
    });
  });
});

describe('PostgresDatabaseTarget network options', () => {
  it('creates the Secrets Manager, SNS and Performance Insights interface endpoints and the DynamoDB gateway endpoint when asked', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const { selfHealing } = ((): { selfHealing: SelfHealing } => {
      const instance = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Database', {
        instanceIdentifier: 'orders-db',
        instanceEndpointAddress: 'orders-db.abcdefghijkl.eu-west-1.rds.amazonaws.com',
        port: 5432,
        securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'DatabaseGroup', 'sg-0db0db0db0db0db00')],
      });
      return {
        selfHealing: new SelfHealing(stack, 'SelfHealing', {
          postgresDatabases: [
            {
              alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'SlowQueries', 'orders-db-slow-queries')],
              instance,
              databaseName: 'orders',
              readerSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ReaderSecret', READER_ARN),
              actorSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'ActorSecret', ACTOR_ARN),
              performanceInsightsResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY0',
            },
          ],
          databaseNetwork: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, createVpcEndpoints: true },
        }),
      };
    })();
    const template = Template.fromStack(stack);
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint') as Record<string, Resource>).map((endpoint) =>
      render(endpoint.Properties.ServiceName),
    );
    expect(services.sort()).toEqual(
      [
        'com.amazonaws.<AWS::Region>.dynamodb',
        'com.amazonaws.eu-west-1.pi',
        'com.amazonaws.eu-west-1.secretsmanager',
        'com.amazonaws.eu-west-1.sns',
      ].sort(),
    );
    // Each interface endpoint admits the functions' security group on HTTPS, and nothing else.
    const functionsGroup = stack.getLogicalId(selfHealing.databaseNetwork!.securityGroup.node.defaultChild as never);
    const endpointIngress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>).filter(
      (rule) => rule.Properties.FromPort === 443,
    );
    expect(endpointIngress).toHaveLength(3);
    for (const rule of endpointIngress) expect(rule.Properties.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [functionsGroup, 'GroupId'] });
  });

  it('uses a security group of the user\'s, in the subnets given', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const group = new ec2.SecurityGroup(stack, 'FunctionsGroup', { vpc, allowAllOutbound: true });
    const instance = new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceIdentifier: 'shop-db',
      vpc,
      storageEncrypted: true,
    });
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      postgresDatabases: [
        {
          alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'SlowQueries', 'shop-db-slow-queries')],
          instance,
          databaseName: 'shop',
          readerSecret: new secretsmanager.Secret(stack, 'ReaderSecret'),
          actorSecret: new secretsmanager.Secret(stack, 'ActorSecret'),
        },
      ],
      databaseNetwork: { vpc, securityGroup: group, vpcSubnets: { subnets: [vpc.privateSubnets[1]!] } },
    });
    const template = Template.fromStack(stack);
    expect(selfHealing.databaseNetwork!.securityGroup).toBe(group);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 120,
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [stack.getLogicalId(group.node.defaultChild as never), 'GroupId'] }], SubnetIds: [{ Ref: stack.getLogicalId(vpc.privateSubnets[1]!.node.defaultChild as never) }] },
    });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
  });
});

describe('PostgresDatabaseTarget validation', () => {
  const problemsOf = (build: () => unknown): string[] => {
    try {
      build();
    } catch (error) {
      if (error instanceof InvalidResourceScopeError) return [...error.problems];
      throw error;
    }
    throw new Error('expected InvalidResourceScopeError');
  };

  it('needs databaseNetwork when a database is registered', () => {
    expect(problemsOf(() => importedDatabaseStack({}, { databaseNetwork: undefined }))).toEqual([
      "databaseNetwork: required when postgresDatabases registers a database; the PostgreSQL functions must run in the databases' VPC",
    ]);
  });

  it('needs exactly one of instance and cluster', () => {
    const stack = testStack();
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', { clusterIdentifier: 'orders-aurora', port: 5432 });
    expect(problemsOf(() => importedDatabaseStack({ cluster }))).toEqual([
      'postgresDatabases[0]: give exactly one of instance (RDS for PostgreSQL) and cluster (Aurora PostgreSQL), got both',
    ]);
    expect(problemsOf(() => importedDatabaseStack({ instance: undefined }))).toEqual([
      'postgresDatabases[0]: give exactly one of instance (RDS for PostgreSQL) and cluster (Aurora PostgreSQL), got neither',
    ]);
  });

  it('needs an identifier known at synth time', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const instance = new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      storageEncrypted: true,
    });
    expect(
      problemsOf(
        () =>
          new SelfHealing(stack, 'SelfHealing', {
            postgresDatabases: [
              {
                alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'SlowQueries', 'shop-db-slow-queries')],
                instance,
                databaseName: 'shop',
                readerSecret: new secretsmanager.Secret(stack, 'ReaderSecret'),
                actorSecret: new secretsmanager.Secret(stack, 'ActorSecret'),
              },
            ],
            databaseNetwork: { vpc },
          }),
      ),
    ).toEqual([
      'postgresDatabases[0].instance: the instance identifier must be known at synth time; ' +
        'set instanceIdentifier on the DatabaseInstance, or import it with DatabaseInstance.fromDatabaseInstanceAttributes',
    ]);
  });

  it('needs two different logins, each known by its complete ARN', () => {
    const stack = testStack();
    const shared = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Shared', READER_ARN);
    const byName = secretsmanager.Secret.fromSecretNameV2(stack, 'ByName', 'selfheal-actor');
    expect(problemsOf(() => importedDatabaseStack({ readerSecret: shared, actorSecret: shared }))).toEqual([
      'postgresDatabases[0] ("orders-db").actorSecret: must be another login than readerSecret; only the function that builds indexes may read the actor\'s secret',
    ]);
    expect(problemsOf(() => importedDatabaseStack({ actorSecret: byName }))).toEqual([
      'postgresDatabases[0] ("orders-db").actorSecret: must be known by its complete ARN (a Secret created in the app, or ' +
        'Secret.fromSecretCompleteArn), so that GetSecretValue is granted on it alone, without a "-??????" wildcard',
    ]);
  });

  it('names the props in schema problems', () => {
    expect(
      problemsOf(() =>
        importedDatabaseStack({
          schemas: ['Public'],
          minImprovement: 1.5,
          performanceInsightsResourceId: 'orders-db',
          guardrails: { maintenanceWindow: { startHourUtc: 25, endHourUtc: 5 } },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^postgresDatabases\[0\] \("orders-db"\)\.schemas\[0\]: /),
      expect.stringMatching(/^postgresDatabases\[0\] \("orders-db"\)\.performanceInsightsResourceId: /),
      expect.stringMatching(/^postgresDatabases\[0\] \("orders-db"\)\.minImprovement: /),
      expect.stringMatching(/^postgresDatabases\[0\] \("orders-db"\)\.guardrails\[maintenanceWindow\]\[startHourUtc\]: /),
    ]);
  });

  it('rejects secrets in another account or region than the stack', () => {
    const stack = testStack();
    const elsewhere = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Elsewhere', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:reader-AbCdEf');
    expect(problemsOf(() => importedDatabaseStack({ readerSecret: elsewhere }))).toEqual([
      "postgresDatabases[0] (\"orders-db\").readerSecret: the secret is in us-east-1, not the stack's region eu-west-1; the functions call AWS in their own region",
    ]);
  });
});

describe('postgresDatabases and databaseNetwork in the selfHealing context', () => {
  it('imports the databases, the secrets and the VPC without lookups, and opens each database on its port', () => {
    const { stack, template } = synthesizeTestStack(POSTGRES_CONFIG);
    const selfHealing = stack.selfHealing;
    expect(selfHealing.resourceScope.resources.map((resource) => [resource.kind, resource.name, (resource as { engine?: string }).engine])).toEqual([
      ['rds-postgres', 'orders-db', 'instance'],
      ['rds-postgres', 'billing-aurora', 'cluster'],
    ]);
    const functionsGroup = { 'Fn::GetAtt': [stack.getLogicalId(selfHealing.databaseNetwork!.securityGroup.node.defaultChild as never), 'GroupId'] };
    for (const [groupId, port] of [['sg-0db0db0db0db0db00', 5432], ['sg-0aa0aa0aa0aa0aa00', 5433]] as const) {
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: groupId, SourceSecurityGroupId: functionsGroup, FromPort: port, ToPort: port });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      VpcConfig: { SecurityGroupIds: [functionsGroup], SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'] },
    });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'] });
  });

  it('rejects both identifiers, a missing network, and endpoints without route tables', () => {
    const [database] = POSTGRES_CONFIG.postgresDatabases!;
    expect(() => parseSelfHealingConfig({ ...POSTGRES_CONFIG, postgresDatabases: [{ ...database, clusterIdentifier: 'x' }] })).toThrow(
      /give exactly one of instanceIdentifier \(RDS for PostgreSQL\) and clusterIdentifier \(Aurora PostgreSQL\)/,
    );
    expect(() => parseSelfHealingConfig({ ...POSTGRES_CONFIG, databaseNetwork: undefined })).toThrow(/databaseNetwork is required with postgresDatabases/);
    expect(() =>
      parseSelfHealingConfig({ ...POSTGRES_CONFIG, databaseNetwork: { ...POSTGRES_CONFIG.databaseNetwork!, routeTableIds: undefined } }),
    ).toThrow(/createVpcEndpoints needs routeTableIds/);
    expect(() => parseSelfHealingConfig({ ...POSTGRES_CONFIG, postgresDatabases: [{ ...database, port: 5432, host: 'x' }] })).toThrow(/host/);
  });
});
