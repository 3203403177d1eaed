import { beforeAll, describe, expect, it } from 'vitest';
import { NEEDS_A_HUMAN, NOTIFICATION_TYPES, type NotificationType } from '../../lambdas/shared/notification-types.js';
import { notification, notificationBody } from '../../lambdas/shared/notify.js';
import { NEEDS_A_HUMAN_FILTER_POLICY } from '../../lib/notification-topic.js';
import { RUNBOOKS_ONLY_CONFIG, synthesizeTestStack, TEST_CONFIG, type SynthesizedStack } from './test-app.js';

type Condition = string | { exists: boolean };
type Policy = { $or: Record<string, Condition[]>[] };

/**
 * SNS's reading of this policy on a message body, for the operators it
 * uses: `$or` of one-key alternatives, exact strings and `exists`.
 */
function accepts(policy: Policy, body: Record<string, unknown>): boolean {
  return policy.$or.some((alternative) =>
    Object.entries(alternative).every(([key, conditions]) =>
      conditions.some((condition) => (typeof condition === 'string' ? body[key] === condition : condition.exists === (key in body))),
    ),
  );
}

const bodyOf = (type: NotificationType) =>
  notificationBody(notification({ type, incidentId: 'inc-0123456789abcdef0123', resourceId: 'autoscaling-group/web', summary: 'something happened' }));

/** A CloudWatch alarm's notification, as the alarms on the healer send it: no message attributes, a JSON body. */
const ALARM_BODY = {
  AlarmName: 'SelfHealing-WorkflowFailures',
  AlarmDescription: 'Self-healing runs failed',
  AWSAccountId: '123456789012',
  NewStateValue: 'ALARM',
  NewStateReason: 'Threshold Crossed',
  StateChangeTime: '2026-11-27T10:00:00.000+0000',
  Region: 'EU (Ireland)',
  AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:SelfHealing-WorkflowFailures',
  OldStateValue: 'OK',
};

describe('the email filter policy', () => {
  it.each(NOTIFICATION_TYPES)('%s reaches email exactly when it needs a human', (type) => {
    expect(accepts(NEEDS_A_HUMAN_FILTER_POLICY as unknown as Policy, bodyOf(type))).toBe(NEEDS_A_HUMAN.includes(type));
  });

  it("lets the healer's own alarms through: they carry no type, and no message attribute to filter on", () => {
    expect(accepts(NEEDS_A_HUMAN_FILTER_POLICY as unknown as Policy, ALARM_BODY)).toBe(true);
  });

  it('keeps report-ready away from email', () => {
    expect(accepts(NEEDS_A_HUMAN_FILTER_POLICY as unknown as Policy, bodyOf('report-ready'))).toBe(false);
  });
});

describe('the email subscription of SelfHealingStack', () => {
  let synthesized: SynthesizedStack;

  beforeAll(() => {
    synthesized = synthesizeTestStack(TEST_CONFIG);
  });

  it('filters on the message body with the needs-a-human policy', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: {
        $or: [{ type: ['approval-requested', 'escalated', 'plan-recommended', 'circuit-opened'] }, { AlarmArn: [{ exists: true }] }],
      },
    });
  });

  it('is absent without an email address', () => {
    const runbooksOnly = synthesizeTestStack(RUNBOOKS_ONLY_CONFIG);
    expect(Object.values(runbooksOnly.template.findResources('AWS::SNS::Subscription')).filter((resource) => resource.Properties.Protocol === 'email')).toEqual([]);
  });
});
