import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ActionName, Autonomy } from '../lambdas/shared/actions/catalog.js';
import type { Mode, Scope } from '../lambdas/shared/scope.js';
import { DEFAULT_RUNBOOK_DIRECTORY, runbooksJson } from './runbook-files.js';
import { AlarmIntake } from './alarm-intake.js';
import type { AnomalyAlarm } from './anomaly-alarm.js';
import { AnomalyAlarms } from './anomaly-alarms.js';
import { ApprovalGateway } from './approval-gateway.js';
import { type AutoScalingGroupTarget } from './auto-scaling-group-target.js';
import { declaredClusters, declaredIpSets } from './declared-resources.js';
import { LogIntake, type LogIntakeOptions, logIntakeProblems } from './log-intake.js';
import type { EksDeploymentTarget } from './eks-deployment-target.js';
import { type FlapGuardProps } from './flap-guard-props.js';
import { NotificationTopic } from './notification-topic.js';
import {
  DatabaseNetwork,
  type DatabaseNetworkProps,
  postgresDatabaseAccess,
  type PostgresDatabaseTarget,
  resolvePostgresDatabase,
} from './postgres-database-target.js';
import { RemediationFunction } from './remediation-function.js';
import { REMEDIATION_TARGET_DEFAULTS, type RemediationTarget } from './remediation-target.js';
import { RemediationWorkflow } from './remediation-workflow.js';
import { DecisionSettingsSchema } from '../lambdas/decide/decision-settings.js';
import { GameDayExperiments, type GameDayProps } from './game-day-experiments.js';
import { HealerDashboard } from './healer-dashboard.js';
import { IncidentReports, type IncidentReportsOptions } from './incident-reports.js';
import { SelfMonitoring } from './self-monitoring.js';
import { type SlackChannelProps, SlackNotifications } from './slack-notifications.js';
import { buildResourceScope, InvalidResourceScopeError } from './resource-scope.js';
import { StateTable } from './state-table.js';
import { WAF_BLOCK_LIMIT_DEFAULTS, type WafBlockLimits } from './waf-block-limits.js';
import { WafBlockExpiry } from './waf-block-expiry.js';
import type { WebAclTarget } from './web-acl-target.js';
import { MAX_TOTAL_CAP } from '../lambdas/shared/waf/block-ledger.js';
import { WORKFLOW_FUNCTIONS, type WorkflowFunctionId } from './workflow-functions.js';
import { type DecisionConfig, WORKFLOW_STEPS, type WorkflowResources } from './workflow-steps.js';

/**
 * Lambda caps all of a function's environment variables at 4 KB together;
 * leave room for the table name, the state machine ARN and the shared settings.
 */
const MAX_RESOURCE_SCOPE_BYTES = 3_000;

/**
 * Most bytes `RESOURCE_SCOPE` and `WAF_SETTINGS` may take together in the WAF
 * functions, leaving the rest of the 4 KB for the table name and the shared settings.
 */
const MAX_WAF_ENVIRONMENT_BYTES = 3_700;

export interface SelfHealingProps {
  /**
   * The Auto Scaling groups self-healing may scale out, and the alarms that open incidents for them.
   *
   * @default - none (register at least one target of some kind)
   */
  readonly autoScalingGroups?: readonly AutoScalingGroupTarget[];

  /**
   * The EKS Deployments self-healing may roll back, restart or fix through a
   * declared ConfigMap. Each namespace must be in `guardrails.allowedNamespaces`,
   * and each namespace needs the RBAC in `lib/eks-rbac/` (see the README).
   *
   * @default - none
   */
  readonly eksDeployments?: readonly EksDeploymentTarget[];

  /**
   * The sites behind WAF web ACLs where self-healing may block an abusive
   * address, for a limited time, in the ACL's IP set.
   *
   * @default - none
   */
  readonly webAcls?: readonly WebAclTarget[];

  /**
   * RDS for PostgreSQL instances and Aurora PostgreSQL clusters whose slow
   * queries may get the index they are missing, built `CONCURRENTLY`,
   * measured, and dropped again when it did not help (see
   * docs/postgres-index-advisor.md). Needs `databaseNetwork`.
   *
   * @default - none
   */
  readonly postgresDatabases?: readonly PostgresDatabaseTarget[];

  /**
   * Where the two PostgreSQL functions (InspectPostgres, CreatePostgresIndex)
   * run: the databases' VPC, subnets and a security group the databases admit
   * on their port. Required when `postgresDatabases` registers a database;
   * no other function runs in a VPC.
   *
   * @default - none: the PostgreSQL functions run outside any VPC
   */
  readonly databaseNetwork?: DatabaseNetworkProps;

  /**
   * Caps on WAF blocks per IP set, across incidents.
   *
   * @default - 20 per hour, 500 in place at once
   */
  readonly wafBlockLimits?: WafBlockLimits;

  /**
   * `dry-run` decides and records every plan but never changes a resource;
   * `auto` carries plans out within each group's limits.
   *
   * @default 'dry-run'
   */
  readonly mode?: Mode;

  /**
   * Topic for every notification (incident opened, approval requested,
   * action taken or undone, verified healthy, escalated, circuit opened) and
   * for the alarms on the healer. A topic of your own must let the publishing
   * functions publish (and use its KMS key, if the key is not known to CDK)
   * and let CloudWatch alarms publish to it.
   *
   * @default - a new topic, encrypted with a new customer-managed KMS key, that requires TLS
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Remediation attempts per incident for groups that do not set their own.
   *
   * @default 3
   */
  readonly maxAttempts?: number;

  /**
   * Flap protection for every group: the attempt budget per window, the
   * failures that open a resource's circuit, and the cooldown ceiling.
   *
   * @default - 3 actions per 6 hours, circuit opens after 3 failed remediations, cooldown at most 6 hours
   */
  readonly flapGuard?: FlapGuardProps;

  /**
   * How long the functions' and the state machine's log groups keep their events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * How plans are made. With a model, Amazon Bedrock proposes a catalog
   * action through tool use and the runbooks are the fallback; without one,
   * the runbooks decide alone. Either way the policy judges every plan.
   *
   * @default - Bedrock with `DEFAULT_MODEL_ID`, 1024 max tokens, a 20 s timeout, confidence ≥ 0.6
   */
  readonly decision?: DecisionProps;

  /**
   * Folder of `*.yaml` runbooks, validated at synth and embedded in the Decide function.
   *
   * @default - the runbooks shipped in `runbooks/`
   */
  readonly runbookDirectory?: string;

  /**
   * Autonomy per action for every group (`observe`, `recommend`, `approve`, `auto`);
   * a group's own `autonomy` wins, and `dry-run` mode caps everything at `observe`.
   *
   * @default - the catalog: `auto` for scaleOutAsg and escalateOnly, `approve` for the rest
   */
  readonly autonomy?: Partial<Record<ActionName, Autonomy>>;

  /**
   * Limits no plan may cross, whatever the resource or the model says.
   *
   * @default - no protected ranges beyond the non-public ones, and no Kubernetes namespace allowed
   */
  readonly guardrails?: GuardrailProps;

  /**
   * Log mining: a subscription filter on every log group the targets declare
   * in `logGroupNames` delivers its events to the log intake function, whose
   * detections (new error templates, error bursts, known error signatures,
   * flooding clients) open incidents like alarms do. CloudWatch Logs allows
   * two subscription filters per log group; this takes one.
   *
   * @default - on when any target declares `logGroupNames`, with the built-in signatures, every event, the default bus
   */
  readonly logIntake?: LogIntakeOptions;

  /**
   * Name of the healer's CloudWatch dashboard (incidents, time to recover,
   * actions, decisions, circuits, and the healer's own alarms); unique in the
   * account and region.
   *
   * @default - `<stack name>-SelfHealing`
   */
  readonly dashboardName?: string;

  /**
   * Opt-in AWS FIS experiment templates for a game day: CPU stress on the
   * registered Auto Scaling groups' instances, API errors on a role's EC2
   * calls. Every template stops when the healer's own alarms fire.
   *
   * @default - no experiment templates
   */
  readonly gameDay?: GameDayProps;

  /**
   * A Slack channel that receives every notification of the topic through
   * AWS Chatbot, with a read-only guardrail. The workspace must already be
   * authorised in the Chatbot console.
   *
   * @default - no chat channel
   */
  readonly chatbotSlack?: SlackChannelProps;

  /**
   * The HTML incident report of every finished run, written to an S3
   * bucket (`reports/<yyyy>/<mm>/<dd>/<execution name>.html`) and announced
   * on the topic as `report-ready` with a link to it; `false` turns it off.
   *
   * @default - on: S3-managed encryption, reports kept 90 days
   */
  readonly incidentReports?: IncidentReportsOptions | false;
}

/** A current Claude model on Bedrock, through the global cross-region inference profile. */
export const DEFAULT_MODEL_ID = 'global.anthropic.claude-sonnet-4-6';

export interface DecisionProps {
  /**
   * Bedrock model or inference profile id for the Converse API; `null` turns the model off.
   *
   * @default DEFAULT_MODEL_ID
   */
  readonly modelId?: string | null;
  /**
   * Most tokens the model may answer with.
   *
   * @default 1024
   */
  readonly maxTokens?: number;
  /**
   * Longest the model may take before the runbooks decide instead.
   *
   * @default Duration.seconds(20)
   */
  readonly timeout?: Duration;
  /**
   * Confidence (0..1) below which the model's plan is not used and the runbooks decide.
   *
   * @default 0.6
   */
  readonly minConfidence?: number;
  /**
   * Largest context, in characters, sent to the model; the rest is cut and the cut noted.
   *
   * @default 16000
   */
  readonly maxPromptChars?: number;
}

export interface GuardrailProps {
  /**
   * Address ranges that may never be blocked: offices, health checkers, partners, your VPCs.
   *
   * @default []
   */
  readonly protectedCidrs?: readonly string[];
  /**
   * Kubernetes namespaces that actions may touch.
   *
   * @default [] (none)
   */
  readonly allowedNamespaces?: readonly string[];
}

/**
 * Self-healing for Auto Scaling groups, EKS Deployments, sites behind WAF web ACLs
 * and PostgreSQL databases (a missing index, see docs/postgres-index-advisor.md).
 *
 * A registered alarm entering ALARM (your own, or an anomaly-detection alarm
 * the construct creates from a target's `anomalyAlarms`), or a detection the
 * log intake makes in a declared log group, opens an incident; a Step Functions
 * workflow gathers context, decides, takes the resource's lease, acts within
 * its limits (scale out a group; block an address for a limited time; roll
 * back, restart or fix a Deployment's ConfigMap), waits, verifies that the
 * alarms cleared and no dependent alarm tripped, and records the outcome, or
 * escalates to a human through the notification topic. In `dry-run` mode (the
 * default) it stops after recording the plan.
 *
 * Every permission is scoped to the registered resources: SetDesiredCapacity
 * to the groups, the WAF calls to the declared IP sets, the EKS calls to the
 * declared clusters (plus namespaced RBAC you apply), the Scheduler calls to
 * the construct's own schedule group.
 *
 * Props are checked at synth time: bad limits, an alarm registered for two
 * resources, a namespace not allowlisted or names unknown at synth fail the
 * synth with a list of every problem.
 */
export class SelfHealing extends Construct {
  /** The scope every function enforces, as serialised into `RESOURCE_SCOPE`. */
  readonly resourceScope: Scope;
  /** Incidents, leases, cooldowns and outcomes. */
  readonly table: StateTable;
  /** The remediation workflow. */
  readonly stateMachine: sfn.StateMachine;
  /** Where escalations and the dead-letter alarm notify. */
  readonly topic: sns.ITopic;
  /** The function that turns an alarm event into an incident and a workflow run. */
  readonly intakeFunction: lambda.IFunction;
  /** Alarm events and async invocations that could not be processed. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The signed approve / reject links and the function behind them. */
  readonly approvals: ApprovalGateway;
  /** The functions behind the workflow's Task states, by `WORKFLOW_FUNCTIONS` id. */
  readonly workflowFunctions: Readonly<Record<WorkflowFunctionId, RemediationFunction>>;
  /**
   * The expiry of WAF blocks: the schedule group, the scheduler role, the
   * ExpireIpBlock function and its dead-letter queue and alarm.
   * Only when `webAcls` registers at least one web ACL.
   */
  readonly wafBlockExpiry?: WafBlockExpiry;
  /**
   * The log intake: the function, its subscriptions, its dead-letter queue and
   * alarms, and the rule that routes its detections to the incident intake.
   * Only when it is enabled (by default, when a target declares log groups).
   */
  readonly logIntake?: LogIntake;
  /** The anomaly-detection alarms the targets declare, each also in its target's `alarmNames`. */
  readonly anomalyAlarms: readonly AnomalyAlarm[];
  /** The alarms on the healer itself, each notifying the topic. */
  readonly selfMonitoring: SelfMonitoring;
  /** The healer's CloudWatch dashboard. */
  readonly dashboard: HealerDashboard;
  /** The FIS experiment templates; only when `gameDay` is set. */
  readonly gameDay?: GameDayExperiments;
  /** The Slack channel configuration; only when `chatbotSlack` is set. */
  readonly slack?: SlackNotifications;
  /**
   * The PostgreSQL functions' network: their security group (which each
   * registered database admits on its port) and the optional VPC endpoints.
   * Only when `postgresDatabases` registers a database.
   */
  readonly databaseNetwork?: DatabaseNetwork;
  /** The bucket, function and rule that write each finished run's incident report; unless `incidentReports` is `false`. */
  readonly incidentReports?: IncidentReports;

  constructor(scope: Construct, id: string, props: SelfHealingProps) {
    super(scope, id);

    const stack = Stack.of(this);
    const problems: string[] = [];
    const wafLimits = validateWafBlockLimits(props.wafBlockLimits, problems);

    // Each target with its anomaly alarms added to its own alarms: from here
    // on they are registered alarms like any other.
    const anomalies = new AnomalyAlarms(this, 'AnomalyAlarms');
    const quoted = (name: string) => (Token.isUnresolved(name) ? '' : ` ("${name}")`);
    const autoScalingGroups = (props.autoScalingGroups ?? []).map((target, index) =>
      anomalies.register(`autoScalingGroups[${index}]${quoted(target.autoScalingGroupName)}`, target.autoScalingGroupName, target),
    );
    const eksDeployments = (props.eksDeployments ?? []).map((target, index) => {
      const id = `${target.cluster}/${target.namespace}/${target.deployment}`;
      return anomalies.register(`eksDeployments[${index}]${quoted(id)}`, id, target);
    });
    const webAcls = (props.webAcls ?? []).map((target, index) =>
      anomalies.register(`webAcls[${index}]${quoted(target.webAclName)}`, target.webAclName, target),
    );
    const postgresDatabases = (props.postgresDatabases ?? []).map((target, index) => {
      const identifier = resolvePostgresDatabase(target)?.identifier;
      return anomalies.register(`postgresDatabases[${index}]${identifier === undefined ? '' : ` ("${identifier}")`}`, identifier ?? `postgres-${index}`, target);
    });
    if (postgresDatabases.length > 0 && props.databaseNetwork === undefined) {
      problems.push(
        "databaseNetwork: required when postgresDatabases registers a database; the PostgreSQL functions must run in the databases' VPC",
      );
    }
    problems.push(...anomalies.problems);
    this.anomalyAlarms = anomalies.alarms;

    const declaredLogGroups = [...new Set([...autoScalingGroups, ...eksDeployments, ...webAcls, ...postgresDatabases].flatMap((target) => target.logGroupNames ?? []))];
    const logIntakeEnabled = props.logIntake?.enabled ?? declaredLogGroups.length > 0;
    if (logIntakeEnabled) {
      problems.push(...logIntakeProblems(props.logIntake ?? {}));
      if (declaredLogGroups.length === 0) problems.push('logIntake.enabled: no target declares logGroupNames, so there is nothing to subscribe to');
    }
    try {
      this.resourceScope = buildResourceScope({
        mode: props.mode ?? 'dry-run',
        autoScalingGroups,
        eksDeployments,
        webAcls,
        postgresDatabases,
        maxAttempts: props.maxAttempts ?? REMEDIATION_TARGET_DEFAULTS.maxAttempts,
        autonomy: props.autonomy,
        flapGuard: props.flapGuard,
        guardrails: props.guardrails,
        environment: {
          ...(Token.isUnresolved(stack.region) ? {} : { region: stack.region }),
          ...(Token.isUnresolved(stack.account) ? {} : { account: stack.account }),
        },
      });
    } catch (error) {
      if (!(error instanceof InvalidResourceScopeError)) throw error;
      throw new InvalidResourceScopeError([...error.problems, ...problems]);
    }
    if (problems.length > 0) throw new InvalidResourceScopeError(problems);
    const serialisedScope = JSON.stringify(this.resourceScope);
    // Deploy-time values (secret ARNs created in the app) are counted at their deployed size.
    const scopeBytes = estimatedBytes(serialisedScope);
    if (scopeBytes > MAX_RESOURCE_SCOPE_BYTES) {
      throw new Error(
        `The self-healing scope serialises to ${scopeBytes} bytes, more than the ${MAX_RESOURCE_SCOPE_BYTES} ` +
          'that fit in a Lambda environment (4 KB for all variables); register fewer groups or alarms per SelfHealing.',
      );
    }

    this.table = new StateTable(this, 'StateTable');
    this.topic = props.notificationTopic ?? new NotificationTopic(this, 'Notifications').topic;

    const targets: readonly RemediationTarget[] = [...autoScalingGroups, ...eksDeployments, ...webAcls, ...postgresDatabases];
    const decision = validateDecision(props.decision);

    if (webAcls.length > 0) {
      this.wafBlockExpiry = new WafBlockExpiry(this, 'WafBlockExpiry', {
        ipSets: declaredIpSets(webAcls),
        limits: wafLimits,
        table: this.table,
        resourceScope: serialisedScope,
        alarmTopic: this.topic,
        logRetention: props.logRetention,
      });
      const wafBytes = estimatedBytes(JSON.stringify(this.wafBlockExpiry.settings));
      if (scopeBytes + wafBytes > MAX_WAF_ENVIRONMENT_BYTES) {
        throw new Error(
          `The self-healing scope (${scopeBytes} bytes) and the WAF settings (about ${wafBytes} bytes) take more than the ` +
            `${MAX_WAF_ENVIRONMENT_BYTES} bytes that fit in the WAF functions' environment (4 KB for all variables); ` +
            'register fewer targets, alarms or IP sets per SelfHealing.',
        );
      }
    }

    const resources: WorkflowResources = {
      table: this.table,
      topic: this.topic,
      resourceScope: serialisedScope,
      alarmArns: uniqueArns(targets.flatMap((target) => [...target.alarms, ...(target.dependentAlarms ?? [])])),
      autoScalingGroupNames: autoScalingGroups.map((group) => group.autoScalingGroupName),
      logGroupNames: [...new Set(this.resourceScope.resources.flatMap((resource) => resource.logGroupNames))],
      eksClusters: declaredClusters(eksDeployments),
      parameterStorePaths: [...new Set(eksDeployments.flatMap((target) => (target.parameterStorePath === undefined ? [] : [target.parameterStorePath])))],
      ...(this.wafBlockExpiry === undefined ? {} : { waf: this.wafBlockExpiry }),
      postgresDatabases: postgresDatabases.map(postgresDatabaseAccess),
      runbooksJson: runbooksJson(props.runbookDirectory ?? DEFAULT_RUNBOOK_DIRECTORY),
      decision,
    };
    if (postgresDatabases.length > 0 && props.databaseNetwork !== undefined) {
      this.databaseNetwork = new DatabaseNetwork(this, 'DatabaseNetwork', {
        ...props.databaseNetwork,
        databases: postgresDatabases.flatMap((target) => resolvePostgresDatabase(target) ?? []),
        performanceInsights: postgresDatabases.some((target) => target.performanceInsightsResourceId !== undefined),
      });
    }
    const databaseNetwork = this.databaseNetwork;
    this.workflowFunctions = Object.fromEntries(
      WORKFLOW_FUNCTIONS.map(({ id: functionId, directory }) => {
        const step = WORKFLOW_STEPS[functionId];
        const fn = new RemediationFunction(this, functionId, {
          directory,
          description: step.description,
          timeout: step.timeout,
          logRetention: props.logRetention,
          define: step.define?.(resources),
          // Only the functions that talk to a database run in its VPC.
          ...(step.network === 'database' && databaseNetwork !== undefined
            ? { vpc: databaseNetwork.vpc, vpcSubnets: databaseNetwork.vpcSubnets, securityGroups: [databaseNetwork.securityGroup] }
            : {}),
        });
        step.configure(fn, resources);
        Validations.of(fn).acknowledge({
          id: 'Serverless-LambdaDLQ',
          reason:
            'Only the state machine invokes this function, synchronously: a failure returns to the Task ' +
            'state, whose Retry and Catch (ending in EscalateIncident) handle it; an async DLQ would stay empty.',
        });
        return [functionId, fn];
      }),
    ) as Record<WorkflowFunctionId, RemediationFunction>;

    const workflow = new RemediationWorkflow(this, 'Workflow', {
      functions: this.workflowFunctions,
      logRetention: props.logRetention,
    });
    this.stateMachine = workflow.stateMachine;

    // The approval links need the state machine to answer to, and the
    // RequestApproval function needs the links' URL: wire it once both exist.
    this.approvals = new ApprovalGateway(this, 'Approvals', {
      table: this.table,
      topic: this.topic,
      stateMachine: this.stateMachine,
      logRetention: props.logRetention,
    });
    this.approvals.configureRequestApproval(this.workflowFunctions.RequestApproval);

    const intake = new AlarmIntake(this, 'Intake', {
      // Only the alarms that open incidents; dependent alarms are read by verification alone.
      alarms: targets.flatMap((target) => target.alarms),
      table: this.table,
      stateMachine: this.stateMachine,
      resourceScope: serialisedScope,
      alarmTopic: this.topic,
      notificationTopic: this.topic,
      logRetention: props.logRetention,
    });
    this.intakeFunction = intake.function;
    this.deadLetterQueue = intake.deadLetterQueue;

    if (logIntakeEnabled) {
      const { enabled: _enabled, ...options } = props.logIntake ?? {};
      this.logIntake = new LogIntake(this, 'LogIntake', {
        ...options,
        // The same log groups the scope routes detections by.
        logGroupNames: resources.logGroupNames,
        table: this.table,
        incidentIntake: intake,
        alarmTopic: this.topic,
        logRetention: props.logRetention,
      });
    }

    // Every finished run of the workflow gets its incident report in S3, announced on the topic.
    if (props.incidentReports !== false) {
      this.incidentReports = new IncidentReports(this, 'IncidentReports', {
        ...props.incidentReports,
        stateMachine: this.stateMachine,
        notificationTopic: this.topic,
        alarmTopic: this.topic,
        logRetention: props.logRetention,
      });
    }

    // Watching the healer itself: alarms to the topic, the dashboard, and (opt-in) game days and Slack.
    const intakeFunctions = [
      { name: 'alarm intake', function: intake.function },
      ...(this.logIntake === undefined ? [] : [{ name: 'log intake', function: this.logIntake.function }]),
    ];
    this.selfMonitoring = new SelfMonitoring(this, 'SelfMonitoring', {
      stateMachine: this.stateMachine,
      intakeFunctions,
      topic: this.topic,
      existingAlarms: [
        intake.deadLetterAlarm,
        ...(this.logIntake === undefined ? [] : [this.logIntake.deadLetterQueue.alarm, this.logIntake.destinationFailureAlarm]),
        ...(this.wafBlockExpiry === undefined ? [] : [this.wafBlockExpiry.deadLetterAlarm]),
      ],
      modelDecides: decision.modelId !== undefined,
    });
    this.dashboard = new HealerDashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      stateMachine: this.stateMachine,
      intakeFunctions,
      deadLetterQueues: [
        { name: 'Intake dead-letter queue', queue: intake.deadLetterQueue },
        ...(this.logIntake === undefined ? [] : [{ name: 'Log intake dead-letter queue', queue: this.logIntake.deadLetterQueue.queue }]),
        ...(this.wafBlockExpiry === undefined ? [] : [{ name: 'WAF block expiry dead-letter queue', queue: this.wafBlockExpiry.deadLetterQueue }]),
        ...(this.incidentReports === undefined ? [] : [{ name: 'Incident reports dead-letter queue', queue: this.incidentReports.deadLetterQueue.queue }]),
      ],
      alarms: this.selfMonitoring.alarms,
      modelDecides: decision.modelId !== undefined,
      indexAdvisor: (props.postgresDatabases ?? []).length > 0,
    });
    if (props.gameDay !== undefined) {
      this.gameDay = new GameDayExperiments(this, 'GameDay', {
        ...props.gameDay,
        registeredAutoScalingGroups: autoScalingGroups.map((group) => group.autoScalingGroupName),
        healerAlarms: this.selfMonitoring.healerBroken,
        logRetention: props.logRetention,
      });
    }
    if (props.chatbotSlack !== undefined) {
      this.slack = new SlackNotifications(this, 'Slack', { ...props.chatbotSlack, topic: this.topic });
    }
  }
}

/** Alarm ARNs, each once (an alarm may be one target's own and another's dependent). */
function uniqueArns(alarms: readonly cloudwatch.IAlarm[]): string[] {
  return [...new Set(alarms.map((alarm) => alarm.alarmArn))];
}

/** Bytes a string will take once deployed, counting each unresolved token as a 100-byte value (an ARN, a name). */
function estimatedBytes(text: string): number {
  return Buffer.byteLength(text.replace(/\$\{Token\[[^\]]*\]\}/g, 'x'.repeat(100)), 'utf8');
}

/** The WAF block caps with their defaults; problems are added for caps the block ledger cannot honour. */
function validateWafBlockLimits(props: WafBlockLimits | undefined, problems: string[]): { maxPerHour: number; maxTotal: number } {
  const limits = {
    maxPerHour: props?.maxPerHour ?? WAF_BLOCK_LIMIT_DEFAULTS.maxPerHour,
    maxTotal: props?.maxTotal ?? WAF_BLOCK_LIMIT_DEFAULTS.maxTotal,
  };
  if (!Number.isInteger(limits.maxPerHour) || limits.maxPerHour < 1) {
    problems.push(`wafBlockLimits.maxPerHour: must be a whole number of at least 1, got ${limits.maxPerHour}`);
  }
  if (!Number.isInteger(limits.maxTotal) || limits.maxTotal < 1 || limits.maxTotal > MAX_TOTAL_CAP) {
    problems.push(`wafBlockLimits.maxTotal: must be a whole number from 1 to ${MAX_TOTAL_CAP}, got ${limits.maxTotal}`);
  }
  return limits;
}

/**
 * The decision settings with their defaults, checked at synth with the same
 * schema the Decide function applies at start-up; the model's timeout must
 * leave the function time to fall back to the runbooks.
 */
function validateDecision(props: DecisionProps | undefined): DecisionConfig {
  const config: DecisionConfig = {
    modelId: props?.modelId === null ? undefined : (props?.modelId ?? DEFAULT_MODEL_ID),
    maxTokens: props?.maxTokens ?? 1_024,
    timeout: props?.timeout ?? Duration.seconds(20),
    minConfidence: props?.minConfidence ?? 0.6,
    maxPromptChars: props?.maxPromptChars ?? 16_000,
  };
  const problems: string[] = [];
  if (config.modelId !== undefined && config.modelId.trim() === '') problems.push('decision.modelId: must not be empty; use null to turn the model off');
  const parsed = DecisionSettingsSchema.safeParse({ ...config, timeoutMs: config.timeout.toMilliseconds() });
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => `decision.${issue.path.join('.')}: ${issue.message}`));
  const functionSeconds = WORKFLOW_STEPS.Decide.timeout.toSeconds();
  if (config.timeout.toSeconds() > functionSeconds - 10) {
    problems.push(`decision.timeout: must be at most ${functionSeconds - 10}s, so Decide can fall back to the runbooks before its own ${functionSeconds}s timeout`);
  }
  if (problems.length > 0) throw new InvalidResourceScopeError(problems);
  return config;
}
