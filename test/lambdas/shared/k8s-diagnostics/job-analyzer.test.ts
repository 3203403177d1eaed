import { describe, expect, it } from 'vitest';
import { analyzeCronJobs, analyzeJobs, jobFailure } from '../../../../lambdas/shared/k8s-diagnostics/job-analyzer.js';
import { cronJob, job, jobPod } from './fixtures.js';

const migrationLog = ['Applying migration 0042_add_orders_index', 'psycopg2.errors.LockNotAvailable: canceling statement due to lock timeout'];

describe('analyzeJobs', () => {
  it('finds nothing wrong with a completed, a running and a retrying Job below its backoff limit', () => {
    // Act
    const findings = analyzeJobs([job('seed', 'complete'), job('reindex', 'running'), job('export', 'retrying', { failed: 1, backoffLimit: 2 })]);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports a Job with the Failed condition, with its pod exit code and log tail', () => {
    // Prepare
    const failed = job('migrate-orders', 'failed');

    // Act
    const findings = analyzeJobs([failed], { pods: [jobPod('migrate-orders', 1)], logs: { 'migrate-orders-q7w2e/migrate': migrationLog } });

    // Assess
    expect(findings).toEqual([
      {
        kind: 'Job',
        name: 'migrate-orders',
        namespace: 'shop',
        reason: 'JobFailed',
        severity: 'medium',
        message: 'Job shop/migrate-orders failed (BackoffLimitExceeded): Job has reached the specified backoff limit.',
        at: '2026-03-14T09:30:00.000Z',
        evidence: {
          containerState: 'pod migrate-orders-q7w2e container migrate terminated: Error (exit code 1)',
          exitCode: 1,
          lastTerminationReason: 'Error',
          logTail: migrationLog,
          details: { failedPods: '3', backoffLimit: '2', failureReason: 'BackoffLimitExceeded' },
        },
        suggestion: expect.objectContaining({ action: 'escalateOnly' }),
      },
    ]);
  });

  it('counts a Job as failed once its failed pods reach the backoff limit, before the condition is written', () => {
    // Act
    const failure = jobFailure(job('export', 'retrying', { failed: 2, backoffLimit: 2 }));

    // Assess
    expect(failure).toEqual({ reason: 'BackoffLimitReached', message: '2 pods failed, backoff limit 2', at: '2026-03-14T09:00:00.000Z' });
  });

  it('leaves a Job owned by a CronJob in the snapshot to the CronJob analyzer', () => {
    // Act
    const findings = analyzeJobs([job('report-29551230', 'failed', { cronJob: 'report' })], { cronJobs: [cronJob('report')] });

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('analyzeCronJobs', () => {
  it('finds nothing wrong when the last finished run succeeded, even after earlier failures', () => {
    // Prepare
    const jobs = [job('report-1', 'failed', { cronJob: 'report', started: '08:30' }), job('report-2', 'complete', { cronJob: 'report', started: '09:00' })];

    // Act
    const findings = analyzeCronJobs([cronJob('report')], { jobs });

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports a CronJob whose last finished run failed, counting the failures in a row', () => {
    // Prepare
    const jobs = [
      job('report-1', 'complete', { cronJob: 'report', started: '08:00' }),
      job('report-2', 'failed', { cronJob: 'report', started: '08:30' }),
      job('report-3', 'failed', { cronJob: 'report', started: '09:00' }),
      job('report-4', 'running', { cronJob: 'report', started: '09:30' }),
    ];

    // Act
    const [finding, ...rest] = analyzeCronJobs([cronJob('report')], { jobs });

    // Assess
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'CronJob',
      name: 'report',
      reason: 'CronJobFailing',
      severity: 'medium',
      message: "CronJob shop/report's last run, Job report-3, failed (BackoffLimitExceeded); 2 runs in a row failed.",
      at: '2026-03-14T09:00:00.000Z',
      evidence: { details: { lastJob: 'report-3', consecutiveFailures: '2', schedule: '*/30 * * * *', lastSuccessfulTime: '2026-03-14T08:00:00.000Z' } },
    });
  });

  it('does not judge CronJobs when Jobs were not read', () => {
    // Act
    const findings = analyzeCronJobs([cronJob('report')], {});

    // Assess
    expect(findings).toEqual([]);
  });
});
