import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE_ACTIONS } from './idempotency-grants.js';
import { RemediationFunction } from './remediation-function.js';

export interface ApprovalGatewayProps {
  /** The state table, where pending approvals are recorded. */
  readonly table: dynamodb.ITable;

  /** Where approval requests are published (the RequestApproval function publishes; see `configureRequestApproval`). */
  readonly topic: sns.ITopic;

  /** The workflow whose waiting `RequestApproval` tasks the callback answers. */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * How long the callback function's log group keeps its events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** What the RequestApproval function needs from the gateway. */
export interface RequestApprovalDependencies {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** The HMAC key that signs the links. */
  readonly key: kms.IKey;
  /** The callback's function URL: the links' target. */
  readonly approvalUrl: string;
}

/**
 * Human approval for plans whose autonomy is `approve`.
 *
 * The RequestApproval step records a pending approval and publishes signed,
 * single-use, expiring approve and reject links. The links point at the
 * callback function's URL: opening one shows the plan, and submitting its
 * form records the answer once and answers the waiting workflow task.
 *
 * The links are signed with an HMAC KMS key: the functions can ask KMS to
 * sign (RequestApproval) or verify (the callback) but never see the key.
 */
export class ApprovalGateway extends Construct {
  /** HMAC-SHA-256 key that signs and verifies the links. */
  readonly key: kms.Key;
  /** The function behind the links. */
  readonly callbackFunction: RemediationFunction;
  /** The callback's public URL. */
  readonly functionUrl: lambda.FunctionUrl;
  /** The URL the approval links point at. */
  readonly url: string;

  private readonly table: dynamodb.ITable;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: ApprovalGatewayProps) {
    super(scope, id);
    this.table = props.table;
    this.topic = props.topic;

    // HMAC keys do not support automatic rotation; a new key would only
    // invalidate the links that are pending when it changes.
    this.key = new kms.Key(this, 'SigningKey', {
      description: 'Signs and verifies the self-healing approval links (HMAC-SHA-256)',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
    });

    this.callbackFunction = new RemediationFunction(this, 'Callback', {
      directory: 'approval-callback',
      description: 'Shows a plan behind a signed approval link, and records the human answer once and passes it to the waiting workflow',
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.table.tableName,
        APPROVAL_KEY_ID: this.key.keyArn,
      },
    });
    this.key.grant(this.callbackFunction, 'kms:VerifyMac');
    props.table.grant(this.callbackFunction, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // A policy of its own, not the role's default policy: the function does
    // not wait for it, which breaks the cycle state machine → RequestApproval
    // (its links' URL) → this function → its permissions → the state machine.
    new iam.Policy(this, 'AnswerWaitingTasks', {
      statements: [
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [props.stateMachine.stateMachineArn],
        }),
      ],
    }).attachToRole(this.callbackFunction.role);
    Validations.of(this.callbackFunction).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Only its function URL invokes this function, synchronously: the browser receives every failure as an ' +
        'HTTP error page and the approval stays pending; there are no async invocations for a DLQ to catch.',
    });

    // The link is clicked from an email by a human with no AWS credentials, so
    // the URL cannot use IAM auth: every request must instead carry an HMAC
    // signature that KMS verifies, and an answer is accepted once, before expiry.
    this.functionUrl = this.callbackFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    this.url = this.functionUrl.url;
  }

  /** Gives the RequestApproval function this gateway's key, URL, table and topic. */
  configureRequestApproval(fn: RemediationFunction): void {
    configureRequestApproval(fn, { table: this.table, topic: this.topic, key: this.key, approvalUrl: this.url });
  }
}

/**
 * Sets up the RequestApproval function: its environment, and exactly the
 * permissions its job needs — sign with the key, write the pending
 * approval (and its idempotency record), publish the request.
 */
export function configureRequestApproval(fn: RemediationFunction, deps: RequestApprovalDependencies): void {
  fn.addEnvironment('TABLE_NAME', deps.table.tableName);
  fn.addEnvironment('TOPIC_ARN', deps.topic.topicArn);
  fn.addEnvironment('APPROVAL_KEY_ID', deps.key.keyArn);
  fn.addEnvironment('APPROVAL_URL', deps.approvalUrl);
  deps.key.grant(fn, 'kms:GenerateMac');
  deps.table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS);
  // As for EscalateIncident: publishing to an encrypted topic needs exactly these two key actions.
  sns.TopicGrants.fromTopic(deps.topic).actions(fn, ['sns:Publish'], {
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  });
}
