import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CONTAINER_INSIGHTS_NAMESPACE, ContainerInsightsAlarms, type ContainerInsightsAlarmsProps } from '../../lib/container-insights-alarms.js';
import { EKS_RBAC_DIRECTORY } from '../../lib/eks-access.js';

function synth(props: Partial<ContainerInsightsAlarmsProps> = {}) {
  const stack = new Stack(new App(), 'Alarms');
  const alarms = new ContainerInsightsAlarms(stack, 'Orders', { cluster: 'prod', namespace: 'shop', deployment: 'orders', ...props });
  return { alarms, template: Template.fromStack(stack) };
}

const workload = [
  { Name: 'ClusterName', Value: 'prod' },
  { Name: 'Namespace', Value: 'shop' },
  { Name: 'PodName', Value: 'orders' },
];

describe('ContainerInsightsAlarms', () => {
  it("alarms on the Deployment's restarts and unavailable replicas, by its workload dimensions", () => {
    const { alarms, template } = synth();

    expect(alarms.alarms).toHaveLength(2);
    expect(alarms.failedNodes).toBeUndefined();
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    for (const [metricName, threshold] of [
      ['pod_number_of_container_restarts', 3],
      ['kube_deployment_status_replicas_unavailable', 1],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: CONTAINER_INSIGHTS_NAMESPACE,
        MetricName: metricName,
        Dimensions: Match.arrayEquals(workload),
        Statistic: 'Maximum',
        Period: 60,
        Threshold: threshold,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmName: `prod-shop-orders-${metricName === 'pod_number_of_container_restarts' ? 'pod-restarts' : 'unavailable-replicas'}`,
      });
    }
  });

  it('adds a cluster-wide failed-node alarm, kept out of the workload alarms (it is a dependent alarm)', () => {
    const { alarms, template } = synth({ failedNodes: true, restartThreshold: 0, period: Duration.minutes(5), evaluationPeriods: 2 });

    expect(alarms.podRestarts).toBeUndefined();
    expect(alarms.alarms.map((alarm) => alarm.alarmName)).toEqual(['prod-shop-orders-unavailable-replicas']);
    expect(alarms.dependentAlarms.map((alarm) => alarm.alarmName)).toEqual(['prod-shop-orders-failed-nodes']);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'cluster_failed_node_count',
      Dimensions: [{ Name: 'ClusterName', Value: 'prod' }],
      Period: 300,
      EvaluationPeriods: 2,
    });
  });

  it.each([
    [{ restartThreshold: -1 }, 'restartThreshold'],
    [{ unavailableReplicasThreshold: 1.5 }, 'unavailableReplicasThreshold'],
    [{ evaluationPeriods: 0 }, 'evaluationPeriods'],
  ])('refuses %j', (props, name) => {
    expect(() => synth(props)).toThrow(name);
  });
});

describe('the diagnose ClusterRole', () => {
  it('grants only get, list and watch, on no secrets, and covers every kind the analyzers read', () => {
    const [role] = parseAllDocuments(readFileSync(path.join(EKS_RBAC_DIRECTORY, 'self-heal-diagnose.yaml'), 'utf8')).map((document) => document.toJS() as Record<string, any>);
    const rules = role!.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];

    expect(role!.kind).toBe('ClusterRole');
    expect(new Set(rules.flatMap((rule) => rule.verbs))).toEqual(new Set(['get', 'list', 'watch']));
    const resources = rules.flatMap((rule) => rule.resources);
    expect(resources).not.toContain('secrets');
    expect(JSON.stringify(rules)).not.toContain('*');
    expect(resources).toEqual(
      expect.arrayContaining(['pods', 'pods/log', 'events', 'services', 'endpoints', 'configmaps', 'persistentvolumeclaims', 'nodes', 'deployments', 'replicasets', 'statefulsets', 'horizontalpodautoscalers', 'jobs', 'cronjobs', 'ingresses']),
    );
  });
});

describe('containerInsightsAlarms in the selfHealing config', () => {
  it('creates the alarms, registers them with the Deployment, and adds the node alarm as a dependent alarm', async () => {
    const { synthesizeTestStack, EKS_DIAGNOSIS_CONFIG } = await import('./test-app.js');
    const { template } = synthesizeTestStack(EKS_DIAGNOSIS_CONFIG);
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: CONTAINER_INSIGHTS_NAMESPACE } });
    expect(Object.values(alarms).map((alarm) => alarm.Properties.MetricName).sort()).toEqual([
      'cluster_failed_node_count',
      'kube_deployment_status_replicas_unavailable',
      'pod_number_of_container_restarts',
    ]);

    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }[];
    const scopeText = functions.map((fn) => fn.Properties.Environment?.Variables?.RESOURCE_SCOPE).find((value) => value !== undefined);
    const scope = JSON.stringify(scopeText);
    for (const name of ['prod-payments-checkout-pod-restarts', 'prod-payments-checkout-unavailable-replicas', 'prod-payments-checkout-failed-nodes']) {
      expect(scope).toContain(name);
    }
    expect(scope).toContain('/self-heal/payments/');

    // BuildContext may read String parameters under the declared path, and nothing else of Parameter Store.
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const ssm = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('ssm:')));
    expect(ssm.map((statement) => statement.Action)).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify(ssm[0]!.Resource)).toContain(':parameter/self-heal/payments/*');
  });
});
