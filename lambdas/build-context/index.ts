import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { toAlarmState } from '../shared/alarms.js';
import { describeAutoScalingGroup } from '../shared/autoscaling.js';
import { autoScaling, cloudTrail, cloudWatch, cloudWatchLogs, documentClient, eks, ssm } from '../shared/clients.js';
import { readStringParameter } from '../shared/parameter-store.js';
import { KubeConnector } from '../shared/eks/kube-client.js';
import { declaredClustersOf } from '../shared/eks/declared-clusters.js';
import { readWorkload } from './read-workload.js';
import { requireEnv } from '../shared/env.js';
import { OutOfScopeError, TransientAwsError } from '../shared/errors.js';
import { workflowHandler } from '../shared/handler.js';
import { alarmOf, IncidentSchema } from '../shared/incident.js';
import { logger } from '../shared/powertools.js';
import { findResourceById, parseScope } from '../shared/scope.js';
import { StateStore } from '../shared/state-store.js';
import type { AutoScalingGroupState, IncidentContext } from '../shared/workflow.js';
import { assembleContext, type Part } from './assemble-context.js';
import { readContextBudget } from './budget.js';
import { contextWindows } from './context-window.js';
import { contextSize, fitToBudget } from './fit-to-budget.js';
import { readAlarmHistory, readMetricAlarm } from './read-alarm.js';
import { changeReadersFor } from './read-changes.js';
import { readLogGroup } from './read-logs.js';
import { planMetricQueries, readMetrics } from './read-metrics.js';
import { ContextPartTimeoutError, Deadline, runPart, withTimeout } from './run-part.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));
const store = new StateStore(documentClient(), requireEnv('TABLE_NAME'));
const budget = readContextBudget();
/** Read-only connections to the registered clusters, made on first use. */
let connector: KubeConnector | undefined;
const kubeConnector = () => (connector ??= new KubeConnector({ eks: eks(), clusters: declaredClustersOf(scope) }));

/** Past incidents read into the context. */
const RECENT_INCIDENTS = 5;
/** Time kept back from the Lambda's own timeout, to assemble and return the context. */
const RETURN_MARGIN_MS = 2_000;

export const BuildContextInputSchema = z.object({ incident: IncidentSchema, attempt: z.number().int().min(0) });

function reportGap(part: string, gap: string): void {
  logger.warn('context part unavailable', { part, gap });
}

/** The group's live state: required, so a read that takes too long is transient and retried by the state machine. */
async function readGroup(name: string, timeoutMs: number): Promise<AutoScalingGroupState> {
  try {
    return await withTimeout(timeoutMs, () => describeAutoScalingGroup(autoScaling(), name));
  } catch (error) {
    if (error instanceof ContextPartTimeoutError) {
      throw new TransientAwsError(`DescribeAutoScalingGroups ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Gathers the incident's context within its budget (see `ContextBudget`).
 * The group's live state is required (there is nothing to decide without
 * it); every other part — the alarm and its history, the metric window, the
 * log excerpts, the recent changes, the past incidents — runs concurrently
 * under its own timeout and degrades into `gaps`. The result is trimmed to
 * `maxContextChars`.
 */
export const lambdaHandler = async (
  { incident }: z.infer<typeof BuildContextInputSchema>,
  lambdaContext?: Context,
): Promise<IncidentContext> => {
  const resource = findResourceById(scope, incident.resource.id);
  if (resource === undefined) {
    throw new OutOfScopeError(`${incident.resource.id} is no longer registered; nothing will be done`);
  }
  const now = new Date();
  const onsetAt = new Date(incident.onsetAt);
  const windows = contextWindows(onsetAt, now);
  const remainingMs = lambdaContext?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
  const deadline = new Deadline(Math.min(budget.totalTimeMs, Math.max(1_000, remainingMs - RETURN_MARGIN_MS)));
  const partTime = () => deadline.forPart(budget.partTimeMs);
  // An incident a log detection opened is judged by the resource's first alarm.
  const alarmName = alarmOf(incident) ?? resource.alarmNames[0];
  const logLimits = { maxLines: budget.maxLogLinesPerGroup, maxLineChars: budget.maxLogLineChars };

  const metricsTime = partTime();
  const alarmConfig = runPart('alarm', partTime(), (signal) => readMetricAlarm(cloudWatch(), alarmName, signal), reportGap);
  const [autoScalingGroup, alarm, alarmHistory, metrics, logs, changes, recentIncidents] = await Promise.all([
    resource.kind === 'autoscaling-group' ? readGroup(resource.name, deadline.remaining()) : Promise.resolve(undefined),
    alarmConfig.then((part): Part<ReturnType<typeof toAlarmState>> => (part.ok ? { ok: true, value: toAlarmState(part.value) } : part)),
    runPart(
      'alarmHistory',
      partTime(),
      (signal) => readAlarmHistory(cloudWatch(), alarmName, windows.alarmHistory, budget.maxAlarmHistory, signal),
      reportGap,
    ),
    runPart(
      'metrics',
      metricsTime,
      async (signal) => {
        // The alarm names its metric; if it is slow, read the related metrics without it rather than nothing.
        const alarmRead = await withTimeout(metricsTime / 2, () => alarmConfig).catch(() => undefined);
        const alarm = alarmRead?.ok === true ? alarmRead.value : undefined;
        const plan = planMetricQueries(alarm, resource.relatedMetrics, windows.metrics, budget.maxMetricPoints);
        return readMetrics(cloudWatch(), plan, windows.metrics, onsetAt, budget.maxMetricPoints, signal);
      },
      reportGap,
    ),
    Promise.all(
      resource.logGroupNames.map((logGroupName) =>
        runPart(
          `logs ${logGroupName}`,
          partTime(),
          // Access logs are all requests: a WAF site's lines are read unfiltered, so the busiest client shows.
          (signal) =>
            readLogGroup(cloudWatchLogs(), logGroupName, windows.logs, resource.kind === 'waf-web-acl' ? '' : budget.logFilterPattern, logLimits, signal),
          reportGap,
        ),
      ),
    ),
    Promise.all(
      changeReadersFor(resource, { autoScaling, cloudTrail }).map((reader) =>
        runPart(
          `changes ${reader.source}`,
          partTime(),
          (signal) => reader.read({ resource, window: windows.changes, max: budget.maxChanges }, signal),
          reportGap,
        ),
      ),
    ),
    runPart('history', partTime(), () => store.recentHistory(incident.resource.id, RECENT_INCIDENTS), reportGap),
  ]);

  const kubernetes =
    resource.kind === 'eks-deployment'
      ? await runPart(
          'kubernetes',
          partTime(),
          () =>
            readWorkload(kubeConnector(), resource, onsetAt, logs.flatMap((part) => (part.ok ? [part.value] : [])), {
              readParameter: (name) => readStringParameter(ssm(), name),
            }),
          reportGap,
        )
      : undefined;

  const gathered = assembleContext({
    mode: scope.mode,
    resource,
    autoScalingGroup,
    ...(kubernetes === undefined ? {} : { kubernetes }),
    alarm,
    alarmHistory,
    metrics,
    logs,
    changes,
    maxChanges: budget.maxChanges,
    recentIncidents,
    now,
  });
  const context = fitToBudget(gathered, budget.maxContextChars);
  logger.info('context gathered', {
    chars: contextSize(context),
    gatheredChars: contextSize(gathered),
    gaps: context.gaps.length,
    trimmed: context.trimmed,
  });
  return context;
};

export const handler = workflowHandler(BuildContextInputSchema, lambdaHandler);
