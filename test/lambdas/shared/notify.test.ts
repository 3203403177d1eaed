import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger, metrics } from '../../../lambdas/shared/powertools.js';
import {
  NOTIFICATION_TOPIC_ENV,
  NOTIFICATION_TYPES,
  NotificationSchema,
  notification,
  notificationBody,
  notificationSubject,
  notify,
} from '../../../lambdas/shared/notify.js';
import { EXECUTION_ARN, throttlingError, TOPIC_ARN } from '../harness.js';

const sns = mockClient(SNSClient);
const AT = new Date('2026-11-27T10:05:00.000Z');
const CONSOLE_URL = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`;

const opened = {
  type: 'incident-opened',
  incidentId: 'inc-0123456789abcdef0123',
  resourceId: 'autoscaling-group/web',
  summary: 'web-cpu-high opened an incident on autoscaling-group/web; remediation started',
  executionArn: EXECUTION_ARN,
  at: AT,
  details: { onsetAt: '2026-11-27T10:00:00.000Z' },
} as const;

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  process.env[NOTIFICATION_TOPIC_ENV] = TOPIC_ARN;
});

afterEach(() => {
  delete process.env[NOTIFICATION_TOPIC_ENV];
  vi.restoreAllMocks();
});

describe('notification', () => {
  it('adds the time and the link to the run, and fits the schema', () => {
    // Act
    const message = notification(opened);

    // Assess
    expect(message).toEqual({ ...opened, at: '2026-11-27T10:05:00.000Z', consoleUrl: CONSOLE_URL });
    expect(NotificationSchema.parse(message)).toEqual(message);
  });

  it('refuses a type subscribers cannot filter on', () => {
    expect(() => notification({ ...opened, type: 'incident.escalated' as never })).toThrow(/type/);
  });

  it('keeps the subject to the 100 printable characters SNS accepts', () => {
    const subject = notificationSubject({ type: 'action-taken', resourceId: `autoscaling-group/${'w'.repeat(200)}→` });
    expect(subject).toHaveLength(100);
    expect(subject.startsWith('[self-healing] action taken: autoscaling-group/www')).toBe(true);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('notify', () => {
  it('publishes the structured message with type and resourceId as message attributes', async () => {
    // Act
    const result = await notify(opened);

    // Assess
    expect(result).toBe('delivered');
    const publishes = sns.commandCalls(PublishCommand);
    expect(publishes).toHaveLength(1);
    const input = publishes[0]!.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: '[self-healing] incident opened: autoscaling-group/web',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'incident-opened' },
        resourceId: { DataType: 'String', StringValue: 'autoscaling-group/web' },
      },
    });
    const body = JSON.parse(input.Message!) as Record<string, unknown>;
    expect(NotificationSchema.parse(body)).toEqual({ ...opened, at: AT.toISOString(), consoleUrl: CONSOLE_URL });
    // A chat channel (Amazon Q Developer / AWS Chatbot) reads these.
    expect(body).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { title: 'incident opened: autoscaling-group/web', description: opened.summary },
      metadata: { threadId: opened.incidentId, eventType: 'incident-opened' },
    });
  });

  it.each(NOTIFICATION_TYPES)('publishes %s with its type as a message attribute and as a top-level field of the body', async (type) => {
    // Act
    const result = await notify({ ...opened, type });

    // Assess: subscribers filter on either (the email subscription reads the body).
    expect(result).toBe('delivered');
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.MessageAttributes?.type).toEqual({ DataType: 'String', StringValue: type });
    expect((JSON.parse(input.Message!) as { type: string }).type).toBe(type);
    expect(input.Subject).toMatch(/^\[self-healing\] [a-z ]+: autoscaling-group\/web$/);
  });

  it('puts the report link first among the next steps of a report-ready notification', () => {
    // Prepare
    const reportUrl = 'https://console.aws.amazon.com/s3/object/reports-bucket?region=us-east-1&prefix=reports%2F2026%2F11%2F27%2Fweb.html';

    // Act
    const body = notificationBody(notification({ ...opened, type: 'report-ready', reportUrl }));

    // Assess
    expect(body).toMatchObject({
      type: 'report-ready',
      reportUrl,
      content: { title: 'incident report ready: autoscaling-group/web', nextSteps: [`Read the incident report: ${reportUrl}`, `Review the run: ${CONSOLE_URL}`] },
    });
  });

  it('publishes nothing when no topic is configured', async () => {
    // Prepare
    delete process.env[NOTIFICATION_TOPIC_ENV];

    // Act
    const result = await notify(opened);

    // Assess
    expect(result).toBe('off');
    expect(sns.calls()).toHaveLength(0);
  });

  it('logs and counts a notification SNS keeps refusing, without throwing', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(throttlingError());
    const logged = vi.spyOn(logger, 'error');
    const single = { addMetric: vi.fn() };
    vi.spyOn(metrics, 'singleMetric').mockReturnValue(single as never);

    // Act
    const result = await notify(opened);

    // Assess
    expect(result).toBe('undelivered');
    expect(logged).toHaveBeenCalledWith('notification not delivered', expect.objectContaining({ notification: expect.objectContaining({ type: 'incident-opened' }) }));
    expect(single.addMetric).toHaveBeenCalledWith('NotificationsUndelivered', 'Count', 1);
  });

  it('does not throw on a notification that does not fit the schema either', async () => {
    // Act
    const result = await notify({ ...opened, summary: '' });

    // Assess
    expect(result).toBe('undelivered');
    expect(sns.calls()).toHaveLength(0);
  });
});
