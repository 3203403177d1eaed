import type { NotificationInput } from '../shared/notify.js';
import type { IncidentReport } from '../shared/report/index.js';

/** Where a report was written. */
export interface ReportLocation {
  readonly bucket: string;
  readonly key: string;
  /** `s3://<bucket>/<key>` */
  readonly s3Uri: string;
  /** The object's page in the S3 console. */
  readonly consoleUrl: string;
}

/**
 * The `report-ready` notification: which incident and resource, how the
 * run ended, and where its report is — the S3 console link as `reportUrl`
 * (a chat card shows it as the first next step) and the S3 URI in
 * `details` for the CLI.
 */
export function reportReadyNotification(report: IncidentReport, location: ReportLocation): NotificationInput {
  const { incident, execution, outcome } = report;
  return {
    type: 'report-ready',
    incidentId: incident.id,
    resourceId: incident.resource.id,
    summary: `Incident report of ${execution.name ?? 'the run'}: ${outcome.headline} — ${incident.resource.name}`,
    ...(execution.arn === undefined ? {} : { executionArn: execution.arn }),
    reportUrl: location.consoleUrl,
    details: {
      outcome: outcome.kind,
      headline: outcome.headline,
      status: execution.status,
      resource: incident.resource,
      s3Uri: location.s3Uri,
      bucket: location.bucket,
      key: location.key,
    },
  };
}
