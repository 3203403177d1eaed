import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import type {
  AutoScalingGroupScope,
  AutoScalingGroupScopeSchema,
  EksDeploymentScope,
  EksDeploymentScopeSchema,
  ResourceScope,
  Scope,
  WafWebAclScope,
  WafWebAclScopeSchema,
} from '../../lambdas/shared/scope.js';
import { DEFAULT_FLAP_GUARD } from '../../lambdas/shared/flap-guard.js';
import type { AlarmSignal, Incident, LogSignal } from '../../lambdas/shared/incident.js';
import type { AutoScalingGroupState, IncidentContext, ScaleOutResult, Verification } from '../../lambdas/shared/workflow.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** The fields every resource kind shares, with the values the tests assume. */
const SHARED_RESOURCE_FIELDS = {
  dependentAlarmNames: [],
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
} satisfies Partial<ResourceScope>;

/** The Auto Scaling group `web`, watched by `web-cpu-high`, at most 2 instances a step. */
export function testAsgResource(overrides: Partial<z.input<typeof AutoScalingGroupScopeSchema>> = {}): AutoScalingGroupScope {
  // Built without validation, so tests can also make invalid resources on purpose.
  return { kind: 'autoscaling-group', name: 'web', alarmNames: ['web-cpu-high'], maxStep: 2, ...SHARED_RESOURCE_FIELDS, ...overrides } as AutoScalingGroupScope;
}

/** The Deployment `shop/checkout` on cluster `prod`, watched by `checkout-5xx`, with one declared ConfigMap default. */
export function testEksResource(overrides: Partial<z.input<typeof EksDeploymentScopeSchema>> = {}): EksDeploymentScope {
  return {
    kind: 'eks-deployment',
    cluster: 'prod',
    namespace: 'shop',
    name: 'checkout',
    alarmNames: ['checkout-5xx'],
    configMapDefaults: { 'checkout-config': { DB_POOL_SIZE: '20' } },
    ...SHARED_RESOURCE_FIELDS,
    ...overrides,
  } as EksDeploymentScope;
}

/** The site behind web ACL `site-acl`, watched by `site-requests-high`; blocks go to IP set `site-blocklist` for an hour. */
export function testWafResource(overrides: Partial<z.input<typeof WafWebAclScopeSchema>> = {}): WafWebAclScope {
  return {
    ...SHARED_RESOURCE_FIELDS,
    kind: 'waf-web-acl',
    name: 'site-acl',
    scope: 'REGIONAL',
    ipSetName: 'site-blocklist',
    blockMinutes: 60,
    alarmNames: ['site-requests-high'],
    logGroupNames: ['/site/access'],
    ...overrides,
  } as WafWebAclScope;
}

/** A scope with these resources (built without validation). */
export function scopeWith(
  resources: ResourceScope[],
  options: { mode?: Scope['mode']; protectedCidrs?: string[]; allowedNamespaces?: string[] } = {},
): Scope {
  return {
    mode: options.mode ?? 'auto',
    autonomy: {},
    guardrails: { protectedCidrs: options.protectedCidrs ?? [], allowedNamespaces: options.allowedNamespaces ?? [] },
    resources,
  };
}

/** A scope of Auto Scaling groups only: its resources are typed as such. */
export type AsgOnlyScope = Omit<Scope, 'resources'> & { resources: AutoScalingGroupScope[] };

/** A scope with one Auto Scaling group, `web`, watched by `web-cpu-high`. */
export function testScope(overrides: Partial<z.input<typeof AutoScalingGroupScopeSchema>> = {}, mode: Scope['mode'] = 'auto'): AsgOnlyScope {
  // Built without validation, so tests can also make invalid scopes on purpose.
  return { ...scopeWith([], { mode }), resources: [testAsgResource(overrides)] };
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

/** The incident's alarm signal; throws (failing the test) when a log detection opened it. */
export function alarmSignalOf(incident: Pick<Incident, 'signal'>): AlarmSignal {
  if (incident.signal.source !== 'cloudwatch-alarm') throw new Error(`expected an alarm signal, got ${incident.signal.source}`);
  return incident.signal;
}

/** An incident about the Deployment of `testEksResource`, opened by its alarm. */
export function testEksIncident(overrides: Partial<Incident> = {}): Incident {
  return testIncident({
    resource: { kind: 'eks-deployment', name: 'checkout', id: 'eks-deployment/prod/shop/checkout' },
    signal: {
      source: 'cloudwatch-alarm',
      alarmName: 'checkout-5xx',
      alarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-5xx`,
      state: 'ALARM',
      previousState: 'OK',
      reason: 'Threshold Crossed',
    },
    ...overrides,
  });
}

/** A log detection: one client flooding the site of `testWafResource`. */
export function testLogSignal(overrides: Partial<LogSignal> = {}): LogSignal {
  return {
    source: 'log-detection',
    detectionId: 'det-0001',
    detection: 'client-flood',
    logGroup: '/site/access',
    summary: '203.0.113.7 sent 4200 requests in 1 minute',
    count: 4_200,
    fields: { ip: '203.0.113.7' },
    ...overrides,
  };
}

/** An incident about the site of `testWafResource`, opened by a log detection (no alarm). */
export function testWafIncident(overrides: Partial<Incident> = {}): Incident {
  return testIncident({ resource: { kind: 'waf-web-acl', name: 'site-acl', id: 'waf-web-acl/site-acl' }, signal: testLogSignal(), ...overrides });
}

/** What ScaleOutAsg returns after raising `web` from 4 to 6. */
export function testScaleOutResult(overrides: Partial<ScaleOutResult> = {}): ScaleOutResult {
  return {
    attempt: 1,
    action: 'scaleOutAsg',
    target: 'autoscaling-group/web',
    autoScalingGroupName: 'web',
    beforeCapacity: 4,
    targetCapacity: 6,
    changed: true,
    actedAt: '2026-11-27T10:00:10.000Z',
    summary: 'raised the desired capacity of web from 4 to 6',
    undoable: true,
    before: { desiredCapacity: 4 },
    applied: { targetCapacity: 6 },
    ...overrides,
  };
}

/** A verification that found the incident's alarm back to OK. */
export function testVerification(overrides: Partial<Verification> = {}): Verification {
  return {
    healthy: true,
    verdict: 'recovered',
    undo: false,
    alarmState: 'OK',
    tripped: [],
    desiredCapacity: 6,
    inServiceInstances: 6,
    checkedAt: '2026-11-27T10:05:10.000Z',
    summary: 'recovered: web-cpu-high is OK at 63.3; web desired 6, 6 in service',
    ...overrides,
  };
}

/** The group `web` as BuildContext reads it: 4 of 4 in service, 2 to 10. */
export function testGroupState(overrides: Partial<AutoScalingGroupState> = {}): AutoScalingGroupState {
  return { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4, ...overrides };
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
    autoScalingGroup: testGroupState(),
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
