import { describe, expect, it } from 'vitest';
import { REPORT_KEY_PREFIX, reportKey, s3ConsoleUrl, s3Uri } from '../../../lambdas/write-incident-report/report-location.js';

describe('report location', () => {
  it('dates the key by the UTC day the run started, zero-padded', () => {
    // 23:30 on 4 March in UTC−05:00 is already 5 March in UTC.
    expect(reportKey('web-inc-0123456789abcdef0123', new Date('2026-03-04T23:30:00.000-05:00'))).toBe('reports/2026/03/05/web-inc-0123456789abcdef0123.html');
    expect(reportKey('x', new Date('2026-12-31T23:59:59.999Z')).startsWith(REPORT_KEY_PREFIX)).toBe(true);
  });

  it('gives the S3 URI and a console link that encodes the key', () => {
    const key = 'reports/2026/03/05/web-inc-1.html';
    expect(s3Uri('reports-bucket', key)).toBe('s3://reports-bucket/reports/2026/03/05/web-inc-1.html');
    expect(s3ConsoleUrl('reports-bucket', key, 'eu-west-1')).toBe(
      'https://console.aws.amazon.com/s3/object/reports-bucket?region=eu-west-1&prefix=reports%2F2026%2F03%2F05%2Fweb-inc-1.html',
    );
  });
});
