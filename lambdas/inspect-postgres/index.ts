import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger, metrics } from '../shared/powertools.js';
import { performanceInsights } from '../shared/postgres/aws-clients.js';
import { topSqlByLoad } from '../shared/postgres/performance-insights.js';
import { currentPostgresEdge, databaseOf } from '../shared/postgres/resource.js';
import { parseScope } from '../shared/scope.js';
import type { DatabaseContext, IndexEffect } from '../shared/workflow.js';
import { inspectDatabase } from './inspect-database.js';
import { measureIndexEffect } from './measure-index-effect.js';

const scope = parseScope(requireEnv('RESOURCE_SCOPE'));

const InspectInputSchema = z.object({
  operation: z.literal('inspect'),
  incident: IncidentSchema,
  attempt: z.number().int().min(0).optional(),
});
const MeasureInputSchema = z.object({
  operation: z.literal('measure'),
  incident: IncidentSchema,
  attempt: z.number().int().min(1).optional(),
  /** What CreatePostgresIndex returned: the before-state and the snapshot taken right after the build. */
  action: z.unknown(),
});
export const InspectPostgresInputSchema = z.discriminatedUnion('operation', [InspectInputSchema, MeasureInputSchema]);

/**
 * Read-only, with the database's reader login: `inspect` gathers the
 * database's side of the context (top queries, the index advisor's
 * recommendation or why there is none); `measure` judges a built index by
 * pg_stat_statements. Nothing here can write: the session is READ ONLY.
 */
export const lambdaHandler = async (input: z.infer<typeof InspectPostgresInputSchema>): Promise<DatabaseContext | IndexEffect> => {
  const resource = databaseOf(scope, input.incident);
  const edge = currentPostgresEdge();
  metrics.addDimension('operation', input.operation);
  const reader = await edge.openReader(resource);
  try {
    if (input.operation === 'measure') {
      const effect = await measureIndexEffect(resource, input.action, reader);
      metrics.addMetric(effect.verdict === 'improved' ? 'IndexesEffective' : 'IndexesNotEffective', MetricUnit.Count, 1);
      logger.info('index effect measured', { database: resource.name, edge: edge.kind, verdict: effect.verdict, summary: effect.summary });
      return effect;
    }
    const resourceId = resource.performanceInsightsResourceId;
    const context = await inspectDatabase(resource, reader, {
      ...(resourceId === undefined ? {} : { topSql: () => topSqlByLoad(performanceInsights(), resourceId) }),
      onGap: (gap) => logger.warn(gap),
    });
    metrics.addMetric(context.recommendation === undefined ? 'IndexesNotRecommended' : 'IndexesRecommended', MetricUnit.Count, 1);
    logger.info('database inspected', { database: resource.name, edge: edge.kind, source: context.source, summary: context.summary });
    return context;
  } finally {
    await reader.close().catch((error: unknown) => logger.warn('closing the reader failed', { error: (error as Error).message }));
  }
};

export const handler = workflowHandler(InspectPostgresInputSchema, lambdaHandler, { emitsMetrics: true });
