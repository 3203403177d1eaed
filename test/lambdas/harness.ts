import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { expect } from 'vitest';
import { ACCOUNT, lambdaContext, REGION } from '../support/fixtures.js';

/**
 * Small helpers shared by the handler tests in this folder. Fixtures for the
 * domain objects come from `test/support/fixtures.ts`; these only cover what
 * the handler tests need on top: invoking a middy handler with a raw event,
 * catching its error, and building SDK-shaped responses and errors.
 */

export const TABLE_NAME = 'self-healing-state-test';
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:remediate-incident`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:self-healing-escalations`;
export const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:remediate-incident:web-inc-0123456789abcdef0123`;

/**
 * Calls an exported (middy-wrapped) handler the way Lambda does: with a raw
 * event and a canned context. The handler types describe the parsed event, so
 * the raw one is passed through `unknown`.
 */
export function invoke<H extends (...args: never[]) => Promise<unknown>>(
  handler: H,
  event: unknown,
  context: Context = lambdaContext(),
): ReturnType<H> {
  return (handler as unknown as (event: unknown, context: Context) => ReturnType<H>)(event, context);
}

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error(`expected a rejection, but the promise resolved with ${JSON.stringify(result)}`);
}

/** DynamoDB's refusal of a conditional write, optionally with the item that blocked it. */
export function conditionalCheckFailed(item?: Record<string, unknown>): ConditionalCheckFailedException {
  const error = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });
  if (item !== undefined) (error as { Item?: unknown }).Item = item;
  return error;
}

/** An SDK-shaped throttling error: a 400 that only its name marks as transient. */
export function throttlingError(message = 'Rate exceeded'): Error {
  return Object.assign(new Error(message), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
}

/** An SDK-shaped, non-transient client error. */
export function accessDeniedError(message = 'User is not authorized to perform this action'): Error {
  return Object.assign(new Error(message), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
}

/** An Auto Scaling group as DescribeAutoScalingGroups returns it, with `inService` InService instances. */
export function autoScalingGroup(
  overrides: { name?: string; min?: number; max?: number; desired?: number; inService?: number; pending?: number } = {},
): AutoScalingGroup {
  const desired = overrides.desired ?? 4;
  const inService = overrides.inService ?? desired;
  const instance = (index: number, state: 'InService' | 'Pending') => ({
    InstanceId: `i-${String(index).padStart(17, '0')}`,
    LifecycleState: state,
    AvailabilityZone: `${REGION}a`,
    HealthStatus: 'Healthy',
    ProtectedFromScaleIn: false,
  });
  return {
    AutoScalingGroupName: overrides.name ?? 'web',
    MinSize: overrides.min ?? 2,
    MaxSize: overrides.max ?? 10,
    DesiredCapacity: desired,
    DefaultCooldown: 300,
    AvailabilityZones: [`${REGION}a`],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2026-01-01T00:00:00Z'),
    Instances: [
      ...Array.from({ length: inService }, (_, index) => instance(index, 'InService')),
      ...Array.from({ length: overrides.pending ?? 0 }, (_, index) => instance(inService + index, 'Pending')),
    ],
  };
}

/** A metric alarm as DescribeAlarms returns it. */
export function metricAlarm(overrides: { name?: string; state?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; datapoints?: number[] } = {}): MetricAlarm {
  return {
    AlarmName: overrides.name ?? 'web-cpu-high',
    AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${overrides.name ?? 'web-cpu-high'}`,
    StateValue: overrides.state ?? 'ALARM',
    StateReason: 'Threshold Crossed',
    StateReasonData: JSON.stringify({ version: '1.0', recentDatapoints: overrides.datapoints ?? [95], threshold: 70 }),
    StateUpdatedTimestamp: new Date('2026-11-27T10:00:00.000Z'),
    MetricName: 'CPUUtilization',
    Namespace: 'AWS/EC2',
    Statistic: 'Average',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 70,
    ComparisonOperator: 'GreaterThanThreshold',
  };
}
