import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { CfnDBCluster, CfnDBInstance, type IDatabaseCluster, type IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_GUARDRAILS } from '../lambdas/shared/index-advisor/guardrails.js';
import type { RemediationTarget } from './remediation-target.js';
import type { PostgresDatabaseAccess } from './workflow-steps.js';

/**
 * Hours (UTC) in which an index may be built; outside them a recommended
 * index waits for a human. Mirrors `MaintenanceWindowSchema`.
 */
export interface IndexMaintenanceWindow {
  /**
   * UTC days the window opens on, 0 = Sunday.
   *
   * @default - every day
   */
  readonly days?: readonly number[];

  /** UTC hour the window opens (inclusive), 0 to 23. */
  readonly startHourUtc: number;

  /** UTC hour the window closes (exclusive), 1 to 24; at or before the start, the window runs past midnight. */
  readonly endHourUtc: number;
}

/**
 * Limits on which tables may get an index, and when. Mirrors
 * `GuardrailSettingsSchema`: a table over a limit, or a time outside the
 * window, leaves the recommendation to a human.
 */
export interface IndexGuardrails {
  /**
   * Largest table (heap bytes) an index may be built on; a concurrent build reads it at least twice.
   *
   * @default 21474836480 (20 GiB, `DEFAULT_GUARDRAILS.maxTableBytes`)
   */
  readonly maxTableBytes?: number;

  /**
   * Most rows written (inserted + updated + deleted) per second on the table; every write maintains the index.
   *
   * @default 1000 (`DEFAULT_GUARDRAILS.maxWritesPerSecond`)
   */
  readonly maxWritesPerSecond?: number;

  /**
   * Most indexes the table may already carry.
   *
   * @default 10 (`DEFAULT_GUARDRAILS.maxIndexesPerTable`)
   */
  readonly maxIndexesPerTable?: number;

  /**
   * When builds may run.
   *
   * @default - any time
   */
  readonly maintenanceWindow?: IndexMaintenanceWindow;
}

/**
 * An RDS for PostgreSQL instance or an Aurora PostgreSQL cluster whose slow
 * queries may get the index they are missing: the advisor ranks queries
 * (pg_stat_statements, and Performance Insights when given), tries candidate
 * indexes hypothetically (HypoPG), builds the best one `CONCURRENTLY`,
 * measures, and drops it again when it did not help.
 *
 * Give exactly one of `instance` and `cluster`. Its identifier must be known
 * at synth time: an imported database (`DatabaseInstance.fromDatabaseInstanceAttributes`,
 * `DatabaseCluster.fromDatabaseClusterAttributes`) qualifies, and so does one
 * created in the app with a literal `instanceIdentifier` / `clusterIdentifier`.
 *
 * The two functions that talk to the database run in the construct's
 * `databaseNetwork`; the database's security groups admit them on its port
 * (for an imported database without security groups, add that rule yourself:
 * see docs/postgres-index-advisor.md).
 */
export interface PostgresDatabaseTarget extends RemediationTarget {
  /**
   * The RDS for PostgreSQL DB instance. Exactly one of `instance` and `cluster`.
   *
   * @default - none: give `cluster`
   */
  readonly instance?: IDatabaseInstance;

  /**
   * The Aurora PostgreSQL DB cluster. Exactly one of `instance` and `cluster`.
   *
   * @default - none: give `instance`
   */
  readonly cluster?: IDatabaseCluster;

  /** Database, inside the server, whose queries are advised. */
  readonly databaseName: string;

  /**
   * Secret of the read-only login (RDS secret format: host, port, username,
   * password, dbname), which needs `pg_read_all_stats`, `SELECT` and `USAGE`
   * on the schemas, and HypoPG. Known by its complete ARN: a secret created
   * in the app, or imported with `Secret.fromSecretCompleteArn`.
   */
  readonly readerSecret: secretsmanager.ISecret;

  /**
   * Secret of the login that creates and drops indexes (same format): `CREATE`
   * on the schemas and membership of the tables' owner role. Only the function
   * that builds indexes may read it. Known by its complete ARN.
   */
  readonly actorSecret: secretsmanager.ISecret;

  /**
   * Customer-managed KMS key of the secrets, when it is not known to CDK
   * (an imported secret). A secret created with `encryptionKey` brings its own.
   *
   * @default - the secrets' own `encryptionKey`, if any; else the AWS managed key, which needs no grant
   */
  readonly secretsEncryptionKey?: kms.IKey;

  /**
   * Schemas whose tables may get an index; nothing outside them is touched.
   * Lower-case PostgreSQL identifiers.
   *
   * @default ['public']
   */
  readonly schemas?: readonly string[];

  /**
   * Performance Insights resource id of the database: the instance's
   * `DbiResourceId` (`db-…`; for Aurora, the writer instance's) or
   * `cluster-…`. A literal, or a token such as `instance.instanceResourceId`.
   * With it, InspectPostgres ranks queries by database load and may call
   * `pi:DescribeDimensionKeys` and `pi:GetResourceMetrics` on it alone.
   *
   * @default - no Performance Insights: pg_stat_statements alone ranks the queries
   */
  readonly performanceInsightsResourceId?: string;

  /**
   * Smallest planner cost reduction, as a fraction (0..1, exclusive), that a
   * hypothetical index must bring to be recommended.
   *
   * @default 0.5
   */
  readonly minCostReduction?: number;

  /**
   * Smallest measured drop of the query's mean time, as a fraction (0..1,
   * exclusive), for a built index to be kept; below it the index is dropped.
   *
   * @default 0.3
   */
  readonly minImprovement?: number;

  /**
   * Which tables may get an index, and when.
   *
   * @default - 20 GiB, 1000 writes per second, 10 indexes per table, any time
   */
  readonly guardrails?: IndexGuardrails;
}

/** Defaults applied to every `PostgresDatabaseTarget` field left unset, beyond `REMEDIATION_TARGET_DEFAULTS`. */
export const POSTGRES_DATABASE_DEFAULTS = {
  schemas: ['public'],
  minCostReduction: 0.5,
  minImprovement: 0.3,
  guardrails: DEFAULT_GUARDRAILS,
  /** PostgreSQL's port, for an imported database whose port CDK does not know. */
  port: 5432,
} as const;

/**
 * Where the PostgreSQL functions run: in the databases' VPC, with a security
 * group the databases admit on their port.
 */
export interface DatabaseNetworkProps {
  /** The VPC of the registered databases. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets of the functions' network interfaces. They need a route to
   * Secrets Manager, SNS, DynamoDB and (with Performance Insights) the PI
   * API: a NAT gateway, or the endpoints `createVpcEndpoints` adds.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security group of the functions. Each database's security groups are
   * opened to it on the database port.
   *
   * @default - a new security group with HTTPS egress (for the AWS APIs) and egress to each database on its port
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * Adds interface endpoints for Secrets Manager, SNS and Performance
   * Insights and a gateway endpoint for DynamoDB to the VPC, in `vpcSubnets`,
   * for subnets without a NAT gateway. Leave it off when the VPC already has
   * them (an interface endpoint with private DNS can exist once per VPC).
   *
   * @default false
   */
  readonly createVpcEndpoints?: boolean;
}

/** The database a `PostgresDatabaseTarget` names, resolved for the scope and the network. */
export interface ResolvedPostgresDatabase {
  /** `instance` for RDS for PostgreSQL, `cluster` for Aurora PostgreSQL. */
  readonly engine: 'instance' | 'cluster';
  /** The instance or cluster identifier, when known at synth time. */
  readonly identifier?: string;
  /** The database's security groups and port. */
  readonly connections: ec2.Connections;
}

/**
 * The database of a target with its identifier as known at synth time: the
 * reference's own identifier when it is literal (an imported database), else
 * the literal `instanceIdentifier` / `clusterIdentifier` set on a database
 * created in the app. `undefined` when the target gives neither or both.
 */
export function resolvePostgresDatabase(target: PostgresDatabaseTarget): ResolvedPostgresDatabase | undefined {
  if ((target.instance === undefined) === (target.cluster === undefined)) return undefined;
  if (target.instance !== undefined) {
    const child = target.instance.node.defaultChild;
    const declared = child instanceof CfnDBInstance ? child.dbInstanceIdentifier : undefined;
    return {
      engine: 'instance',
      identifier: literalOf(target.instance.instanceIdentifier) ?? literalOf(declared),
      connections: target.instance.connections,
    };
  }
  const cluster = target.cluster!;
  const child = cluster.node.defaultChild;
  const declared = child instanceof CfnDBCluster ? child.dbClusterIdentifier : undefined;
  return { engine: 'cluster', identifier: literalOf(cluster.clusterIdentifier) ?? literalOf(declared), connections: cluster.connections };
}

function literalOf(value: string | undefined): string | undefined {
  return value === undefined || Token.isUnresolved(value) ? undefined : value;
}

/** What `DatabaseNetwork` places its functions in, and the databases it opens to them. */
export interface DatabaseNetworkConstructProps extends DatabaseNetworkProps {
  /** The registered databases, whose security groups admit the functions. */
  readonly databases: readonly ResolvedPostgresDatabase[];
  /** Adds the Performance Insights endpoint too (with `createVpcEndpoints`). */
  readonly performanceInsights: boolean;
}

/**
 * The network of the PostgreSQL functions: their security group, the rules
 * that let it reach each database on its port, and (opt-in) the VPC
 * endpoints of the AWS APIs the functions call.
 */
export class DatabaseNetwork extends Construct {
  /** The VPC the functions run in. */
  readonly vpc: ec2.IVpc;
  /** The functions' subnets. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The functions' security group; each registered database admits it on its port. */
  readonly securityGroup: ec2.ISecurityGroup;

  constructor(scope: Construct, id: string, props: DatabaseNetworkConstructProps) {
    super(scope, id);
    this.vpc = props.vpc;
    this.vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    if (props.securityGroup === undefined) {
      const group = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'Self-healing PostgreSQL functions: HTTPS to the AWS APIs, the database port to the registered databases',
        allowAllOutbound: false,
      });
      group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs over HTTPS (Secrets Manager, SNS, DynamoDB, Performance Insights)');
      this.securityGroup = group;
    } else {
      this.securityGroup = props.securityGroup;
    }
    const functions = new ec2.Connections({ securityGroups: [this.securityGroup] });
    for (const database of props.databases) {
      // Ingress on the database's groups, and egress on the functions' group when it restricts outbound traffic.
      database.connections.allowFrom(
        functions,
        database.connections.defaultPort ?? ec2.Port.tcp(POSTGRES_DATABASE_DEFAULTS.port),
        `Self-healing PostgreSQL functions${database.identifier === undefined ? '' : ` to ${database.identifier}`}`,
      );
    }
    if (props.createVpcEndpoints === true) {
      const interfaceServices: [string, ec2.InterfaceVpcEndpointAwsService][] = [
        ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
        ['Sns', ec2.InterfaceVpcEndpointAwsService.SNS],
        ...(props.performanceInsights ? [['PerformanceInsights', ec2.InterfaceVpcEndpointAwsService.RDS_PERFORMANCE_INSIGHTS] as [string, ec2.InterfaceVpcEndpointAwsService]] : []),
      ];
      for (const [name, service] of interfaceServices) {
        const endpoint = new ec2.InterfaceVpcEndpoint(this, `${name}Endpoint`, {
          vpc: props.vpc,
          service,
          subnets: this.vpcSubnets,
          privateDnsEnabled: true,
          // Only the functions may use it, on HTTPS.
          open: false,
        });
        endpoint.connections.allowDefaultPortFrom(functions, 'Self-healing PostgreSQL functions');
      }
      new ec2.GatewayVpcEndpoint(this, 'DynamoDbEndpoint', {
        vpc: props.vpc,
        service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
        subnets: [this.vpcSubnets],
      });
    }
  }
}

/** What the PostgreSQL functions get to reach a target's database (`WorkflowResources.postgresDatabases`). */
export function postgresDatabaseAccess(target: PostgresDatabaseTarget): PostgresDatabaseAccess {
  const keys = [target.secretsEncryptionKey, target.readerSecret.encryptionKey, target.actorSecret.encryptionKey].filter(
    (key): key is kms.IKey => key !== undefined,
  );
  return {
    name: resolvePostgresDatabase(target)?.identifier ?? 'unknown',
    readerSecret: target.readerSecret,
    actorSecret: target.actorSecret,
    secretKeys: [...new Set(keys)],
    ...(target.performanceInsightsResourceId === undefined ? {} : { performanceInsightsResourceId: target.performanceInsightsResourceId }),
  };
}
