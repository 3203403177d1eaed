import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  DefaultDashboardFactory,
  GraphWidgetType,
  type CustomMetric,
  MetricStatistic,
  MonitoringFacade,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { HEALER_NAMESPACE, HEALER_SERVICE, healerMetric } from './healer-metrics.js';
import type { IntakeFunction } from './self-monitoring.js';

/** A dead-letter queue to graph, with what it holds. */
export interface WatchedQueue {
  /** Shown as the section's title: e.g. "Intake dead-letter queue". */
  readonly name: string;
  readonly queue: sqs.IQueue;
}

export interface HealerDashboardProps {
  /**
   * Name of the CloudWatch dashboard; unique in the account and region.
   *
   * @default - `<stack name>-SelfHealing`
   */
  readonly dashboardName?: string;

  /** The remediation workflow. */
  readonly stateMachine: sfn.IStateMachine;

  /** The functions that turn signals into incidents. */
  readonly intakeFunctions: readonly IntakeFunction[];

  /**
   * Dead-letter queues whose depth to graph.
   *
   * @default []
   */
  readonly deadLetterQueues?: readonly WatchedQueue[];

  /**
   * Alarms shown at the top, in one status widget (the self-monitoring alarms).
   *
   * @default []
   */
  readonly alarms?: readonly cloudwatch.IAlarm[];

  /**
   * Whether a model decides: adds the Bedrock tokens per decision.
   *
   * @default true
   */
  readonly modelDecides?: boolean;

  /**
   * Whether a PostgreSQL database is registered: adds the index advisor's
   * recommendations and the measured effect of the indexes it built.
   *
   * @default false
   */
  readonly indexAdvisor?: boolean;
}

const LINE = GraphWidgetType.LINE;

/**
 * The healer's CloudWatch dashboard, built with cdk-monitoring-constructs:
 * the self-monitoring alarms; incidents opened, resolved and escalated; time
 * to recover (p50 and p90); actions by type; decisions by source and Bedrock
 * tokens per decision; circuits opened; then the workflow, the intake
 * functions and the dead-letter queues as the library graphs them.
 *
 * Everything is read from the functions' Powertools EMF metrics (namespace
 * `SelfHealing`, dimension `service`), so every `SelfHealing` in the account
 * and region adds up on one dashboard.
 */
export class HealerDashboard extends Construct {
  readonly facade: MonitoringFacade;
  readonly dashboard: cloudwatch.Dashboard;
  readonly dashboardName: string;
  /** The dashboard in the CloudWatch console. */
  readonly dashboardUrl: string;

  constructor(scope: Construct, id: string, props: HealerDashboardProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.dashboardName = props.dashboardName ?? `${Token.isUnresolved(stackName) ? 'SelfHealing' : stackName}-SelfHealing`;

    const dashboards = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: this.dashboardName,
      createDashboard: true,
      createSummaryDashboard: false,
      createAlarmDashboard: false,
    });
    this.dashboard = dashboards.dashboard!;
    this.dashboardUrl = `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboardName}`;
    this.facade = new MonitoringFacade(this, 'Monitoring', {
      dashboardFactory: dashboards,
      metricFactoryDefaults: { namespace: HEALER_NAMESPACE },
    });

    this.facade.addLargeHeader('Self-healing');
    const alarms = props.alarms ?? [];
    if (alarms.length > 0) {
      this.facade.addWidget(new cloudwatch.AlarmStatusWidget({ title: 'The healer itself', alarms: [...alarms], width: 24 }));
    }

    this.facade.monitorCustom({
      alarmFriendlyName: 'Incidents',
      humanReadableName: 'Incidents and their outcomes',
      description:
        'From the functions\' EMF metrics. An incident opens when a signal starts a run; it is resolved when ' +
        'verification passes, escalated when automation hands it to a human.',
      metricGroups: [
        {
          title: 'Incidents',
          graphWidgetType: GraphWidgetType.BAR,
          metrics: [
            healerMetric('IncidentsOpened', { label: 'Opened' }),
            healerMetric('IncidentsClosed', { dimensions: { outcome: 'resolved' }, label: 'Resolved' }),
            healerMetric('IncidentsEscalated', { label: 'Escalated' }),
            healerMetric('PlansRecommended', { label: 'Recommended' }),
          ],
        },
        {
          title: 'Time to recover (onset to verified)',
          graphWidgetType: LINE,
          graphWidgetAxis: { label: 'seconds', min: 0, showUnits: false },
          metrics: [
            healerMetric('TimeToRecoverSeconds', { dimensions: { outcome: 'resolved' }, statistic: 'p50', label: 'p50' }),
            healerMetric('TimeToRecoverSeconds', { dimensions: { outcome: 'resolved' }, statistic: 'p90', label: 'p90' }),
          ],
        },
        {
          title: 'Actions by type',
          graphWidgetType: GraphWidgetType.BAR,
          metrics: [byDimension('ActionsTaken', 'action', 'taken'), byDimension('ActionsUndone', 'action', 'undone')],
        },
      ],
    });

    const modelDecides = props.modelDecides ?? true;
    this.facade.monitorCustom({
      alarmFriendlyName: 'Decisions',
      humanReadableName: 'Decisions and circuits',
      metricGroups: [
        {
          title: 'Decisions by source',
          graphWidgetType: GraphWidgetType.BAR,
          metrics: modelDecides
            ? [
                healerMetric('Decisions', { dimensions: { source: 'bedrock' }, label: 'model' }),
                healerMetric('Decisions', { dimensions: { source: 'runbook' }, label: 'runbook' }),
                healerMetric('ModelFallbacks', { dimensions: { source: 'runbook' }, label: 'runbook after a model fallback' }),
              ]
            : [healerMetric('Decisions', { dimensions: { source: 'runbook' }, label: 'runbook' })],
        },
        ...(modelDecides
          ? [
              {
                title: 'Model tokens per decision',
                graphWidgetType: LINE,
                graphWidgetAxis: { label: 'tokens', min: 0, showUnits: false },
                metrics: [
                  healerMetric('ModelInputTokens', { dimensions: { source: 'bedrock' }, statistic: 'Average', label: 'input' }),
                  healerMetric('ModelOutputTokens', { dimensions: { source: 'bedrock' }, statistic: 'Average', label: 'output' }),
                  healerMetric('BedrockThrottles', { label: 'throttled calls' }),
                ],
              },
            ]
          : []),
        {
          title: 'Circuits opened',
          graphWidgetType: GraphWidgetType.BAR,
          metrics: [
            healerMetric('CircuitsOpened', { label: 'Circuits opened' }),
            healerMetric('NotificationsUndelivered', { label: 'Notifications undelivered' }),
            healerMetric('EscalationsUndelivered', { label: 'Escalations undelivered' }),
          ],
        },
      ],
    });

    if (props.indexAdvisor === true) {
      this.facade.monitorCustom({
        alarmFriendlyName: 'IndexAdvisor',
        humanReadableName: 'Index advisor (PostgreSQL)',
        metricGroups: [
          {
            title: 'Index advisor',
            graphWidgetType: GraphWidgetType.BAR,
            metrics: [
              healerMetric('IndexesRecommended', { dimensions: { operation: 'inspect' }, label: 'recommended' }),
              healerMetric('IndexesNotRecommended', { dimensions: { operation: 'inspect' }, label: 'none recommended' }),
              healerMetric('IndexesEffective', { dimensions: { operation: 'measure' }, label: 'built and effective (kept)' }),
              healerMetric('IndexesNotEffective', { dimensions: { operation: 'measure' }, label: 'built, not effective (undone)' }),
            ],
          },
        ],
      });
    }

    this.facade.monitorStepFunction({
      stateMachine: props.stateMachine,
      humanReadableName: 'Remediation workflow (failed runs include escalations)',
      alarmFriendlyName: 'Workflow',
    });
    for (const { name, function: fn } of props.intakeFunctions) {
      this.facade.monitorLambdaFunction({ lambdaFunction: fn, humanReadableName: `Intake: ${name}`, alarmFriendlyName: name });
    }
    for (const { name, queue } of props.deadLetterQueues ?? []) {
      this.facade.monitorSqsQueue({ queue, humanReadableName: name, alarmFriendlyName: name });
    }
  }
}

/** Every series of a healer metric by one dimension, labelled with its value (a SEARCH). */
function byDimension(metricName: string, dimension: string, suffix: string): CustomMetric {
  return {
    namespace: HEALER_NAMESPACE,
    searchQuery: `MetricName="${metricName}"`,
    dimensionsMap: { service: HEALER_SERVICE, [dimension]: undefined as unknown as string },
    statistic: MetricStatistic.SUM,
    label: `\${PROP('Dim.${dimension}')} ${suffix}`,
  };
}
