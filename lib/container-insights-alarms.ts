import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** The CloudWatch namespace Container Insights publishes EKS metrics to. */
export const CONTAINER_INSIGHTS_NAMESPACE = 'ContainerInsights';

/**
 * Alarms on one EKS Deployment from Container Insights (the
 * `amazon-cloudwatch-observability` add-on with enhanced observability), to
 * pass as an `EksDeploymentTarget`'s `alarms`: each opens an incident whose
 * resource is the Deployment, and verification waits for all of them to
 * clear.
 *
 * Container Insights names a workload's pods by the workload (the
 * `PodName` dimension is the Deployment's name, without the ReplicaSet and
 * pod suffixes), so the alarms follow the Deployment across rollouts.
 */
export interface ContainerInsightsAlarmsProps {
  /** Name of the EKS cluster (the `ClusterName` dimension). */
  readonly cluster: string;

  /** Namespace of the Deployment. */
  readonly namespace: string;

  /** Name of the Deployment. */
  readonly deployment: string;

  /**
   * Alarm when the Deployment's containers restarted at least this many
   * times in one period (`pod_number_of_container_restarts`, Maximum):
   * CrashLoopBackOff, OOMKilled, a failing liveness probe. `0` turns it off.
   *
   * @default 3
   */
  readonly restartThreshold?: number;

  /**
   * Alarm when at least this many replicas are unavailable
   * (`kube_deployment_status_replicas_unavailable`, Maximum): a stuck
   * rollout, pods that never become ready, image pull errors. `0` turns it
   * off.
   *
   * @default 1
   */
  readonly unavailableReplicasThreshold?: number;

  /**
   * Also alarm when any node of the cluster has a failing condition
   * (`cluster_failed_node_count`): NotReady, memory, disk or PID pressure.
   * A node problem is not the Deployment's to fix, so this alarm is meant as
   * a dependent alarm (`dependentAlarms`): a fix must not count as working
   * while nodes fail.
   *
   * @default false
   */
  readonly failedNodes?: boolean;

  /**
   * Prefix of the alarms' names (`<prefix>-pod-restarts`,
   * `<prefix>-unavailable-replicas`, `<prefix>-failed-nodes`). Names are literal, because the resource scope
   * routes alarms by name.
   *
   * @default `<cluster>-<namespace>-<deployment>`
   */
  readonly alarmNamePrefix?: string;

  /**
   * Length of one datapoint.
   *
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;

  /**
   * Consecutive breaching datapoints before the alarm fires; a rollout's
   * brief unavailability should not open an incident.
   *
   * @default 3
   */
  readonly evaluationPeriods?: number;
}

export class ContainerInsightsAlarms extends Construct {
  /** Restarts of the Deployment's containers, when enabled. */
  readonly podRestarts?: cloudwatch.Alarm;
  /** Unavailable replicas of the Deployment, when enabled. */
  readonly unavailableReplicas?: cloudwatch.Alarm;
  /** Failing nodes of the cluster, when enabled: a dependent alarm. */
  readonly failedNodes?: cloudwatch.Alarm;
  /** The Deployment's own alarms (restarts, unavailable replicas) by literal name, for the target's `alarms`. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The failed-node alarm by literal name, for the target's `dependentAlarms`, when enabled. */
  readonly dependentAlarms: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: ContainerInsightsAlarmsProps) {
    super(scope, id);
    const restartThreshold = props.restartThreshold ?? 3;
    const unavailableThreshold = props.unavailableReplicasThreshold ?? 1;
    const period = props.period ?? Duration.minutes(1);
    const evaluationPeriods = props.evaluationPeriods ?? 3;
    for (const [name, value] of [
      ['restartThreshold', restartThreshold],
      ['unavailableReplicasThreshold', unavailableThreshold],
      ['evaluationPeriods', evaluationPeriods],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) throw new Error(`ContainerInsightsAlarms.${name}: must be a whole number of at least 0, got ${value}`);
    }
    if (evaluationPeriods < 1) throw new Error('ContainerInsightsAlarms.evaluationPeriods: must be at least 1');
    const workload = { ClusterName: props.cluster, Namespace: props.namespace, PodName: props.deployment };
    const prefix = props.alarmNamePrefix ?? `${props.cluster}-${props.namespace}-${props.deployment}`;
    const label = `${props.cluster}/${props.namespace}/${props.deployment}`;
    const metric = (metricName: string, dimensionsMap: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: CONTAINER_INSIGHTS_NAMESPACE, metricName, dimensionsMap, statistic: cloudwatch.Stats.MAXIMUM, period });
    // No datapoints means no pods reported (scaled to zero, agent restarting): not evidence of a failure.
    const common = {
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };

    if (restartThreshold > 0) {
      this.podRestarts = new cloudwatch.Alarm(this, 'PodRestarts', {
        ...common,
        alarmName: `${prefix}-pod-restarts`,
        metric: metric('pod_number_of_container_restarts', workload),
        threshold: restartThreshold,
        alarmDescription: `Containers of Deployment ${label} restarted at least ${restartThreshold} times (Container Insights); self-healing diagnoses and remediates it.`,
      });
    }
    if (unavailableThreshold > 0) {
      this.unavailableReplicas = new cloudwatch.Alarm(this, 'UnavailableReplicas', {
        ...common,
        alarmName: `${prefix}-unavailable-replicas`,
        metric: metric('kube_deployment_status_replicas_unavailable', workload),
        threshold: unavailableThreshold,
        alarmDescription: `Deployment ${label} has at least ${unavailableThreshold} unavailable replica(s) (Container Insights); self-healing diagnoses and remediates it.`,
      });
    }
    if (props.failedNodes === true) {
      this.failedNodes = new cloudwatch.Alarm(this, 'FailedNodes', {
        ...common,
        alarmName: `${prefix}-failed-nodes`,
        metric: metric('cluster_failed_node_count', { ClusterName: props.cluster }),
        threshold: 1,
        alarmDescription: `A node of EKS cluster ${props.cluster} has a failing condition (Container Insights); remediations of its workloads wait for it to clear.`,
      });
    }
    // By name, not by reference: the scope, the intake rule and the IAM for
    // DescribeAlarms need the name at synth, and a created alarm's name is a token.
    const registered = (alarm: cloudwatch.Alarm | undefined, name: string) =>
      alarm === undefined
        ? []
        : [
            cloudwatch.Alarm.fromAlarmArn(
              this,
              `${alarm.node.id}Registered`,
              Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${prefix}-${name}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
            ),
          ];
    this.alarms = [...registered(this.podRestarts, 'pod-restarts'), ...registered(this.unavailableReplicas, 'unavailable-replicas')];
    this.dependentAlarms = registered(this.failedNodes, 'failed-nodes');
  }
}
