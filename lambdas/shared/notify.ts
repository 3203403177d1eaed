import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PublishCommand } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { callAws } from './aws-errors.js';
import { sns } from './clients.js';
import { executionConsoleUrl } from './console-links.js';
import { NOTIFICATION_TOPIC_ENV, type NotificationType, NotificationTypeSchema } from './notification-types.js';
import { logger, metrics } from './powertools.js';

export { NEEDS_A_HUMAN, NOTIFICATION_TOPIC_ENV, NOTIFICATION_TYPES, type NotificationType, NotificationTypeSchema } from './notification-types.js';

/** What a subscriber receives: the same fields for every type, the rest in `details`. */
export const NotificationSchema = z.object({
  type: NotificationTypeSchema,
  incidentId: z.string().min(1),
  resourceId: z.string().min(1),
  /** One sentence a human can act on. */
  summary: z.string().min(1),
  /** The workflow run, when the step knows it. */
  executionArn: z.string().min(1).optional(),
  /** The run's page in the Step Functions console. */
  consoleUrl: z.url().optional(),
  /** Where the incident's report can be read. */
  reportUrl: z.url().optional(),
  /** When the step published it. */
  at: z.iso.datetime({ offset: true }),
  details: z.record(z.string(), z.unknown()),
});
export type Notification = z.infer<typeof NotificationSchema>;

export interface NotificationInput extends Omit<Notification, 'at' | 'consoleUrl' | 'details'> {
  /** @default new Date() */
  readonly at?: Date;
  /** @default {} */
  readonly details?: Record<string, unknown>;
}

/** A notification with its time and, when the run is known, the link to it. */
export function notification({ at, details, ...fields }: NotificationInput): Notification {
  return NotificationSchema.parse({
    ...fields,
    ...(fields.executionArn === undefined ? {} : { consoleUrl: executionConsoleUrl(fields.executionArn) }),
    at: (at ?? new Date()).toISOString(),
    details: details ?? {},
  });
}

const TITLES: Readonly<Record<NotificationType, string>> = {
  'incident-opened': 'incident opened',
  'approval-requested': 'approval needed',
  'action-taken': 'action taken',
  'verified-healthy': 'verified healthy',
  'action-undone': 'action undone',
  escalated: 'escalated',
  'plan-recommended': 'plan recommended',
  'circuit-opened': 'circuit opened',
  'report-ready': 'incident report ready',
};

/** SNS caps a Subject at 100 characters of printable ASCII, with no line breaks. */
const MAX_SUBJECT = 100;

/** An SNS-safe subject: `[self-healing] <what>: <resource>`, printable ASCII, at most 100 characters. */
export function notificationSubject(message: Pick<Notification, 'type' | 'resourceId'>, title = TITLES[message.type]): string {
  return `[self-healing] ${title}: ${message.resourceId}`.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_SUBJECT);
}

/**
 * The body a subscriber receives: the notification, plus the fields of the
 * Amazon Q Developer (AWS Chatbot) custom-notification format — `version`,
 * `source`, `content`, `metadata` — so a chat channel subscribed to the topic
 * shows it as a card, threaded per incident.
 */
export function notificationBody(message: Notification): Record<string, unknown> {
  const nextSteps = [
    ...(message.reportUrl === undefined ? [] : [`Read the incident report: ${message.reportUrl}`]),
    ...(message.consoleUrl === undefined ? [] : [`Review the run: ${message.consoleUrl}`]),
  ];
  return {
    ...message,
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: `${TITLES[message.type]}: ${message.resourceId}`,
      description: message.summary,
      ...(nextSteps.length === 0 ? {} : { nextSteps }),
    },
    metadata: { threadId: message.incidentId, summary: message.summary, eventType: message.type },
  };
}

/**
 * The Publish request for a notification: the body as JSON, and `type` and
 * `resourceId` as message attributes to filter on. Every notification goes
 * out through here, so every one carries both; `type` is also a top-level
 * field of the body, for a subscription that filters on the body (the
 * email subscription does, see `needsAHumanFilterPolicy`).
 */
export function publishCommandFor(topicArn: string, message: Notification, subject = notificationSubject(message)): PublishCommand {
  return new PublishCommand({
    TopicArn: topicArn,
    Subject: subject,
    Message: JSON.stringify(notificationBody(message), null, 2),
    MessageAttributes: {
      type: { DataType: 'String', StringValue: message.type },
      resourceId: { DataType: 'String', StringValue: message.resourceId },
    },
  });
}

/** Publishes a notification; transient failures arrive as `TransientAwsError` after the client's own retries. */
export async function publishNotification(topicArn: string, message: Notification, subject?: string): Promise<void> {
  await callAws('Publish', () => sns().send(publishCommandFor(topicArn, message, subject)));
}

/** How a best-effort notification went. */
export type NotifyResult = 'delivered' | 'undelivered' | 'off';

/**
 * Publishes a lifecycle notification, best effort: a step's job is its
 * action, not the message about it, so a notification SNS refuses (after
 * the client's retries) is logged in full and counted in the
 * `NotificationsUndelivered` metric, and the step carries on.
 */
export async function notify(input: NotificationInput): Promise<NotifyResult> {
  const topicArn = process.env[NOTIFICATION_TOPIC_ENV];
  if (topicArn === undefined || topicArn === '') return 'off';
  let message: Notification | undefined;
  try {
    message = notification(input);
    await publishNotification(topicArn, message);
    return 'delivered';
  } catch (error) {
    logger.error('notification not delivered', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      notification: message ?? input,
    });
    // On its own, with the service dimension only, whatever dimensions the step's other metrics carry.
    metrics.singleMetric().addMetric('NotificationsUndelivered', MetricUnit.Count, 1);
    return 'undelivered';
  }
}
