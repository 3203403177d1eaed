import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import type { ResourceScopeSchema, Scope } from '../../lambdas/shared/scope.js';
import { DEFAULT_FLAP_GUARD } from '../../lambdas/shared/flap-guard.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import type { IncidentContext } from '../../lambdas/shared/workflow.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** A scope with one Auto Scaling group, `web`, watched by `web-cpu-high`. */
export function testScope(overrides: Partial<z.input<typeof ResourceScopeSchema>> = {}, mode: Scope['mode'] = 'auto'): Scope {
  // Built without validation, so tests can also make invalid scopes on purpose.
  return {
    mode,
    autonomy: {},
    guardrails: { protectedCidrs: [], allowedNamespaces: [] },
    resources: [
      {
        kind: 'autoscaling-group',
        name: 'web',
        alarmNames: ['web-cpu-high'],
        maxStep: 2,
        maxAttempts: 3,
        leaseSeconds: 1_800,
        cooldownSeconds: 900,
        verifyAfterSeconds: 300,
        dependencies: [],
        autonomy: {},
        logGroupNames: [],
        relatedMetrics: [],
        approvalTimeoutSeconds: 3_600,
        flapGuard: DEFAULT_FLAP_GUARD,
        ...overrides,
      } as Scope['resources'][number],
    ],
  };
}

/** The EventBridge event CloudWatch sends when an alarm goes into ALARM. */
export function alarmEvent(overrides: { alarmName?: string; value?: string; timestamp?: string; cpu?: number } = {}) {
  const alarmName = overrides.alarmName ?? 'web-cpu-high';
  const timestamp = overrides.timestamp ?? '2026-11-27T10:00:00.000+0000';
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: '2026-11-27T10:00:01Z',
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value: overrides.value ?? 'ALARM',
        reason: 'Threshold Crossed: 1 datapoint [95.0] was greater than the threshold (70.0).',
        reasonData: JSON.stringify({ version: '1.0', recentDatapoints: [overrides.cpu ?? 95], threshold: 70 }),
        timestamp,
      },
      previousState: { value: 'OK', reason: 'Threshold not crossed', timestamp },
      configuration: {
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { name: 'CPUUtilization', namespace: 'AWS/EC2', dimensions: { AutoScalingGroupName: 'web' } },
              period: 60,
              stat: 'Average',
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

export function testIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    incidentId: 'inc-0123456789abcdef0123',
    resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' },
    signal: {
      source: 'cloudwatch-alarm',
      alarmName: 'web-cpu-high',
      alarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:web-cpu-high`,
      state: 'ALARM',
      previousState: 'OK',
      reason: 'Threshold Crossed',
      metricName: 'CPUUtilization',
      namespace: 'AWS/EC2',
    },
    onsetAt: '2026-11-27T10:00:00.000Z',
    detectedAt: '2026-11-27T10:00:01.000Z',
    region: REGION,
    account: ACCOUNT,
    evidence: [],
    ...overrides,
  };
}

export function testContext(overrides: Partial<IncidentContext> = {}): IncidentContext {
  return {
    mode: 'auto',
    limits: {
      maxStep: 2,
      maxAttempts: 3,
      leaseSeconds: 1_800,
      cooldownSeconds: 900,
      verifyAfterSeconds: 300,
      approvalTimeoutSeconds: 3_600,
      flapGuard: DEFAULT_FLAP_GUARD,
    },
    resource: { id: 'autoscaling-group/web', dependencies: [] },
    autoScalingGroup: { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4 },
    alarmHistory: [],
    metrics: [],
    logs: [],
    changes: [],
    trimmed: [],
    alarm: {
      name: 'web-cpu-high',
      state: 'ALARM',
      metricName: 'CPUUtilization',
      namespace: 'AWS/EC2',
      threshold: 70,
      comparisonOperator: 'GreaterThanThreshold',
      latestValue: 95,
    },
    recentIncidents: [],
    gatheredAt: '2026-11-27T10:00:05.000Z',
    gaps: [],
    ...overrides,
  };
}

/** A canned Lambda context. */
export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'req-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
