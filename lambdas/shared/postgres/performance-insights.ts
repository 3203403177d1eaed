import { DescribeDimensionKeysCommand, type PIClient } from '@aws-sdk/client-pi';
import { callAws } from '../aws-errors.js';

/**
 * Top SQL by database load from Performance Insights: the statements
 * (`db.sql_tokenized`) with the most average active sessions
 * (`db.load.avg`) over the last hour. For RDS and Aurora PostgreSQL,
 * `db.sql_tokenized.db_id` is the statement's pg_stat_statements queryid,
 * which is how the advisor finds its normalized text.
 */

export interface TopSqlByLoad {
  /** pg_stat_statements queryid, when Performance Insights reports it. */
  readonly queryId?: string;
  /** The tokenized statement text, as Performance Insights keeps it (possibly truncated). UNTRUSTED. */
  readonly statement?: string;
  /** Average active sessions over the window. */
  readonly load: number;
}

export interface TopSqlOptions {
  /** @default 60 */
  readonly windowMinutes?: number;
  /** @default 10 */
  readonly limit?: number;
  readonly now?: Date;
}

export async function topSqlByLoad(client: PIClient, resourceId: string, options: TopSqlOptions = {}): Promise<TopSqlByLoad[]> {
  const end = options.now ?? new Date();
  const start = new Date(end.getTime() - (options.windowMinutes ?? 60) * 60_000);
  const response = await callAws('DescribeDimensionKeys', () =>
    client.send(
      new DescribeDimensionKeysCommand({
        ServiceType: 'RDS',
        Identifier: resourceId,
        StartTime: start,
        EndTime: end,
        Metric: 'db.load.avg',
        GroupBy: {
          Group: 'db.sql_tokenized',
          Dimensions: ['db.sql_tokenized.id', 'db.sql_tokenized.db_id', 'db.sql_tokenized.statement'],
          Limit: options.limit ?? 10,
        },
      }),
    ),
  );
  return (response.Keys ?? [])
    .map((key) => {
      const dimensions = key.Dimensions ?? {};
      const dbId = dimensions['db.sql_tokenized.db_id'];
      const statement = dimensions['db.sql_tokenized.statement'];
      return {
        ...(dbId !== undefined && /^-?\d{1,20}$/.test(dbId) ? { queryId: dbId } : {}),
        ...(statement === undefined ? {} : { statement }),
        load: key.Total ?? 0,
      };
    })
    .sort((a, b) => b.load - a.load);
}
