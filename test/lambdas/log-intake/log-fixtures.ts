import type { CloudWatchLogsDecodedData } from '../../../lambdas/log-intake/decode-payload.js';
import { encodeLogPayload } from '../../../lambdas/log-intake/decode-payload.js';

/** Start of the fixtures' clock: 2026-03-02T10:00:00Z, on a minute boundary. */
export const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

export interface LineSpec {
  readonly message: string;
  /** Epoch ms; defaults to T0 plus one ms per line. */
  readonly timestamp?: number;
}

/** A decoded DATA_MESSAGE batch of these lines, with CloudWatch-like event ids. */
export function logBatch(
  lines: readonly (string | LineSpec)[],
  overrides: Partial<Pick<CloudWatchLogsDecodedData, 'logGroup' | 'logStream'>> & { idPrefix?: string } = {},
): CloudWatchLogsDecodedData {
  const prefix = overrides.idPrefix ?? '3720';
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: overrides.logGroup ?? '/ecs/web',
    logStream: overrides.logStream ?? 'web/app/0123456789abcdef',
    subscriptionFilters: ['self-healing-log-intake'],
    logEvents: lines.map((line, index) => {
      const spec = typeof line === 'string' ? { message: line } : line;
      return {
        id: `${prefix}${String(index).padStart(52, '0')}`,
        timestamp: spec.timestamp ?? T0 + index,
        message: spec.message,
      };
    }),
  };
}

/** The same batch as the Lambda event CloudWatch Logs sends. */
export function subscriptionEvent(batch: CloudWatchLogsDecodedData): { awslogs: { data: string } } {
  return encodeLogPayload(batch);
}

/** The control message CloudWatch Logs sends when a subscription is created. */
export const CONTROL_MESSAGE = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [{ id: '', timestamp: T0, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }],
};

/** A WAF log line for a request from `ip` at `timestamp`. */
export function wafLine(ip: string, timestamp: number, action = 'ALLOW'): string {
  return JSON.stringify({
    timestamp,
    formatVersion: 1,
    webaclId: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/0123',
    terminatingRuleId: 'Default_Action',
    terminatingRuleType: 'REGULAR',
    action,
    httpSourceName: 'ALB',
    httpRequest: { clientIp: ip, country: 'NL', headers: [{ name: 'Host', value: 'example.com' }], uri: '/login', httpMethod: 'POST', requestId: 'abc' },
  });
}

/** An ALB access log line for a request from `client` (`ip:port`) at `timestamp`. */
export function albLine(client: string, timestamp: number, status = 200): string {
  return (
    `https ${new Date(timestamp).toISOString()} app/web/50dc6c495c0c9188 ${client} 10.0.0.1:80 0.000 0.001 0.000 ${status} ${status} 34 366 ` +
    `"GET https://example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ` +
    `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 ${new Date(timestamp).toISOString()} "forward" "-" "-" "10.0.0.1:80" "${status}" "-" "-"`
  );
}
