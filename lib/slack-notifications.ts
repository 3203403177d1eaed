import { Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** A Slack channel, in a workspace already authorised with AWS Chatbot (Amazon Q Developer in chat applications). */
export interface SlackChannelProps {
  /** The workspace id, from the Chatbot console after the one-time Slack authorisation. */
  readonly slackWorkspaceId: string;
  /** The channel id: the last part of the channel's link, e.g. `C0123ABCDEF`. */
  readonly slackChannelId: string;
  /**
   * Name of the channel configuration, unique in the account.
   *
   * @default - derived from the construct path
   */
  readonly configurationName?: string;
}

export interface SlackNotificationsProps extends SlackChannelProps {
  /** The topic whose notifications the channel receives. */
  readonly topic: sns.ITopic;
}

/** What the channel's role and its members may do: read alarms and metrics, nothing else. */
const READ_ALARMS_ACTIONS = ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage'];

/**
 * Every notification of the topic in a Slack channel, through AWS Chatbot:
 * the CloudWatch alarms as Chatbot draws them, the healer's own messages as
 * custom notifications (see `notificationBody`), threaded per incident.
 *
 * The channel's role and its guardrail allow reading alarms and metrics only,
 * so nobody can change anything from the channel.
 */
export class SlackNotifications extends Construct {
  readonly channel: chatbot.SlackChannelConfiguration;
  /** Caps what anyone in the channel may do through Chatbot. */
  readonly guardrail: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: SlackNotificationsProps) {
    super(scope, id);
    const reason =
      'Chatbot reads alarms and their metrics to draw alarm notifications: DescribeAlarms and DescribeAlarmHistory ' +
      'over any alarm that notifies the topic, and GetMetricData and GetMetricWidgetImage, which support no ' +
      'resource-level permissions. All four are read-only.';

    this.guardrail = new iam.ManagedPolicy(this, 'Guardrail', {
      description: 'Guardrail of the self-healing Slack channel: read alarms and metrics, nothing else',
      statements: [new iam.PolicyStatement({ actions: READ_ALARMS_ACTIONS, resources: ['*'] })],
    });
    Validations.of(this.guardrail).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });

    this.channel = new chatbot.SlackChannelConfiguration(this, 'Channel', {
      slackChannelConfigurationName: props.configurationName ?? `self-healing-${props.slackChannelId}`,
      slackWorkspaceId: props.slackWorkspaceId,
      slackChannelId: props.slackChannelId,
      notificationTopics: [props.topic],
      guardrailPolicies: [this.guardrail],
      loggingLevel: chatbot.LoggingLevel.NONE,
    });
    this.channel.addToRolePolicy(new iam.PolicyStatement({ actions: READ_ALARMS_ACTIONS, resources: ['*'] }));
    Validations.of(this.channel.role!.node.findChild('DefaultPolicy')).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
  }
}
