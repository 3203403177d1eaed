import { Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Mode, Scope } from '../lambdas/shared/scope.js';
import { AlarmIntake } from './alarm-intake.js';
import { AUTO_SCALING_GROUP_DEFAULTS, type AutoScalingGroupTarget } from './auto-scaling-group-target.js';
import { NotificationTopic } from './notification-topic.js';
import { RemediationFunction } from './remediation-function.js';
import { RemediationWorkflow } from './remediation-workflow.js';
import { buildResourceScope } from './resource-scope.js';
import { StateTable } from './state-table.js';
import { WORKFLOW_FUNCTIONS, type WorkflowFunctionId } from './workflow-functions.js';
import { WORKFLOW_STEPS, type WorkflowResources } from './workflow-steps.js';

/**
 * Lambda caps all of a function's environment variables at 4 KB together;
 * leave room for the table name, the state machine ARN and the shared settings.
 */
const MAX_RESOURCE_SCOPE_BYTES = 3_000;

export interface SelfHealingProps {
  /** The Auto Scaling groups self-healing may scale out, and the alarms that open incidents for them. */
  readonly autoScalingGroups: readonly AutoScalingGroupTarget[];

  /**
   * `dry-run` decides and records every plan but never changes a resource;
   * `auto` carries plans out within each group's limits.
   *
   * @default 'dry-run'
   */
  readonly mode?: Mode;

  /**
   * Topic for escalations and for the dead-letter alarm. A topic of your own
   * must let the escalation function publish (and use its KMS key, if the key
   * is not known to CDK) and let CloudWatch alarms publish to it.
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
   * How long the functions' and the state machine's log groups keep their events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Self-healing for Auto Scaling groups.
 *
 * A registered alarm entering ALARM opens an incident; a Step Functions
 * workflow gathers context, decides, takes the group's lease, scales it out
 * within its limits, waits, verifies that the alarm cleared, and records the
 * outcome, or escalates to a human through the notification topic. In
 * `dry-run` mode (the default) it stops after recording the plan.
 *
 * Props are checked at synth time: bad limits, an alarm registered for two
 * groups or names unknown at synth fail the synth with a list of every problem.
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
  /** The functions behind the workflow's Task states, by `WORKFLOW_FUNCTIONS` id. */
  readonly workflowFunctions: Readonly<Record<WorkflowFunctionId, RemediationFunction>>;

  constructor(scope: Construct, id: string, props: SelfHealingProps) {
    super(scope, id);

    this.resourceScope = buildResourceScope({
      mode: props.mode ?? 'dry-run',
      autoScalingGroups: props.autoScalingGroups,
      maxAttempts: props.maxAttempts ?? AUTO_SCALING_GROUP_DEFAULTS.maxAttempts,
    });
    const serialisedScope = JSON.stringify(this.resourceScope);
    const scopeBytes = Buffer.byteLength(serialisedScope, 'utf8');
    if (scopeBytes > MAX_RESOURCE_SCOPE_BYTES) {
      throw new Error(
        `The self-healing scope serialises to ${scopeBytes} bytes, more than the ${MAX_RESOURCE_SCOPE_BYTES} ` +
          'that fit in a Lambda environment (4 KB for all variables); register fewer groups or alarms per SelfHealing.',
      );
    }

    this.table = new StateTable(this, 'StateTable');
    this.topic = props.notificationTopic ?? new NotificationTopic(this, 'Notifications').topic;

    const resources: WorkflowResources = {
      table: this.table,
      topic: this.topic,
      resourceScope: serialisedScope,
      alarmArns: props.autoScalingGroups.flatMap((group) => group.alarms.map((alarm) => alarm.alarmArn)),
      autoScalingGroupNames: props.autoScalingGroups.map((group) => group.autoScalingGroupName),
    };
    this.workflowFunctions = Object.fromEntries(
      WORKFLOW_FUNCTIONS.map(({ id: functionId, directory }) => {
        const step = WORKFLOW_STEPS[functionId];
        const fn = new RemediationFunction(this, functionId, {
          directory,
          description: step.description,
          timeout: step.timeout,
          logRetention: props.logRetention,
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

    const intake = new AlarmIntake(this, 'Intake', {
      alarms: props.autoScalingGroups.flatMap((group) => group.alarms),
      table: this.table,
      stateMachine: this.stateMachine,
      resourceScope: serialisedScope,
      alarmTopic: this.topic,
      logRetention: props.logRetention,
    });
    this.intakeFunction = intake.function;
    this.deadLetterQueue = intake.deadLetterQueue;
  }
}
