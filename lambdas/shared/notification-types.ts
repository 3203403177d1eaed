import * as z from 'zod';

/**
 * Every kind of message the notification topic carries, in the order an
 * incident meets them. Subscribers filter on the `type` message attribute
 * (an SNS filter policy): e.g. only what needs a human for the people on
 * call, everything for a chat channel. Free of SDK imports, so the CDK app
 * can read it too.
 */
export const NOTIFICATION_TYPES = [
  'incident-opened',
  'approval-requested',
  'action-taken',
  'verified-healthy',
  'action-undone',
  'escalated',
  'plan-recommended',
  'circuit-opened',
  'report-ready',
] as const;
export const NotificationTypeSchema = z.enum(NOTIFICATION_TYPES);
export type NotificationType = z.infer<typeof NotificationTypeSchema>;

/**
 * The types that ask something of a human: answer an approval, take over an
 * incident, reset a circuit. `report-ready` (a run's incident report is in
 * S3) is not one: it follows every run, whatever its outcome.
 */
export const NEEDS_A_HUMAN: readonly NotificationType[] = ['approval-requested', 'escalated', 'plan-recommended', 'circuit-opened'];

/**
 * The variable that turns the lifecycle notifications on (opened, action
 * taken or undone, verified healthy, circuit opened): the topic to publish
 * them to. Unset, as in the local simulator, a step notifies nobody.
 */
export const NOTIFICATION_TOPIC_ENV = 'NOTIFICATION_TOPIC_ARN';
