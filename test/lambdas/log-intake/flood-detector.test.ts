import { describe, expect, it } from 'vitest';
import { type AccessLogInput, detectClientFloods, parseAccessLogLine } from '../../../lambdas/shared/access-logs/flood-detector.js';
import { albLine, T0, wafLine } from './log-fixtures.js';

/** `count` lines from `line(i)`, spread evenly over `spanMs`. */
function lines(count: number, spanMs: number, line: (timestamp: number, index: number) => string): AccessLogInput[] {
  return Array.from({ length: count }, (_, index) => {
    const timestamp = T0 + Math.floor((index * spanMs) / Math.max(1, count - 1));
    return { message: line(timestamp, index), timestamp };
  });
}

describe('parseAccessLogLine', () => {
  it('reads a WAF log line', () => {
    expect(parseAccessLogLine(wafLine('203.0.113.7', T0 + 5, 'BLOCK'), 0)).toEqual({ format: 'waf', ip: '203.0.113.7', timestamp: T0 + 5, action: 'BLOCK' });
  });

  it('reads an ALB access log line: the client is field 4, the time field 2', () => {
    expect(parseAccessLogLine(albLine('198.51.100.23:2817', T0 + 1500), 0)).toEqual({ format: 'alb', ip: '198.51.100.23', timestamp: T0 + 1500 });
  });

  it('reads IPv6 clients, bracketed or not, and lower-cases them', () => {
    expect(parseAccessLogLine(albLine('[2001:DB8::1]:443', T0), 0)?.ip).toBe('2001:db8::1');
    expect(parseAccessLogLine(albLine('2001:db8::7:51234', T0), 0)?.ip).toBe('2001:db8::7');
    expect(parseAccessLogLine(wafLine('2001:db8:0:0:0:0:0:5', T0), 0)?.ip).toBe('2001:db8:0:0:0:0:0:5');
  });

  it('falls back to the event time when the line has none it can read', () => {
    const line = albLine('198.51.100.23:2817', T0).replace(new Date(T0).toISOString(), 'not-a-time');
    expect(parseAccessLogLine(line, 42)?.timestamp).toBe(42);
  });

  it.each([
    ['an application line', 'ERROR connect ECONNREFUSED 10.0.0.5:5432'],
    ['JSON without httpRequest', '{"level":"error","msg":"boom"}'],
    ['broken JSON', '{"httpRequest": {"clientIp": "203.0.113.7"'],
    ['a WAF line with an invalid IP', wafLine('999.1.1.1', T0)],
    ['a WAF line with a host name', wafLine('evil.example.com', T0)],
    ['an ALB line with an invalid client', albLine('300.1.2.3:80', T0)],
    ['an ALB-like line of another type', albLine('198.51.100.23:2817', T0).replace(/^https/, 'ftp')],
  ])('ignores %s', (_, line) => {
    expect(parseAccessLogLine(line, T0)).toBeUndefined();
  });
});

describe('detectClientFloods', () => {
  it('reports a WAF client above the threshold, with its rate over the batch window', () => {
    // Prepare: 900 requests from one client over two minutes (450 a minute), 10 from another
    const flood = lines(900, 120_000, (timestamp) => wafLine('203.0.113.7', timestamp));
    const normal = lines(10, 120_000, (timestamp) => wafLine('198.51.100.1', timestamp));

    // Act
    const floods = detectClientFloods([...normal, ...flood]);

    // Assess
    expect(floods).toEqual([
      { ip: '203.0.113.7', requests: 900, windowSeconds: 120, perMinute: 450, sample: flood[0]!.message, sampleIndex: 10 },
    ]);
  });

  it('reports ALB clients, most requests first', () => {
    // Prepare: within one minute: 700 from a, 400 from b, 100 from c
    const a = lines(700, 59_000, (timestamp, i) => albLine(`198.51.100.10:${1024 + i}`, timestamp));
    const b = lines(400, 59_000, (timestamp, i) => albLine(`198.51.100.20:${1024 + i}`, timestamp));
    const c = lines(100, 59_000, (timestamp, i) => albLine(`198.51.100.30:${1024 + i}`, timestamp));

    // Act
    const floods = detectClientFloods([...c, ...b, ...a]);

    // Assess: the window is at least a minute, so the counts are the rates
    expect(floods.map(({ ip, requests, perMinute, windowSeconds }) => ({ ip, requests, perMinute, windowSeconds }))).toEqual([
      { ip: '198.51.100.10', requests: 700, perMinute: 700, windowSeconds: 60 },
      { ip: '198.51.100.20', requests: 400, perMinute: 400, windowSeconds: 60 },
    ]);
  });

  it('does not report a client at or below the threshold, nor a burst squeezed into a second', () => {
    // 300 a minute is not above 300; 250 requests in one second is read as 250 a minute
    expect(detectClientFloods(lines(300, 60_000, (timestamp) => wafLine('203.0.113.7', timestamp)))).toEqual([]);
    expect(detectClientFloods(lines(250, 1_000, (timestamp) => wafLine('203.0.113.7', timestamp)))).toEqual([]);
  });

  it('honours a configured threshold', () => {
    const input = lines(120, 60_000, (timestamp) => wafLine('203.0.113.7', timestamp));
    expect(detectClientFloods(input, { thresholdPerMinute: 100 }).map(({ ip }) => ip)).toEqual(['203.0.113.7']);
    expect(detectClientFloods(input, { thresholdPerMinute: 120 })).toEqual([]);
  });

  it('does not count requests WAF already blocked, unless asked to', () => {
    const blocked = lines(500, 60_000, (timestamp) => wafLine('203.0.113.7', timestamp, 'BLOCK'));
    expect(detectClientFloods(blocked)).toEqual([]);
    expect(detectClientFloods(blocked, { countBlocked: true }).map(({ ip }) => ip)).toEqual(['203.0.113.7']);
  });

  it('ignores lines with invalid addresses and lines that are not access logs', () => {
    // Prepare: 500 requests with a bad address and 500 application lines
    const invalid = lines(500, 60_000, (timestamp) => wafLine('256.256.256.256', timestamp));
    const application = lines(500, 60_000, () => 'ERROR request from 203.0.113.7 failed');

    // Act + Assess
    expect(detectClientFloods([...invalid, ...application])).toEqual([]);
  });

  it('reports an IPv6 client', () => {
    const input = lines(400, 60_000, (timestamp, i) => albLine(`[2001:db8::beef]:${2000 + i}`, timestamp));
    expect(detectClientFloods(input).map(({ ip, requests }) => ({ ip, requests }))).toEqual([{ ip: '2001:db8::beef', requests: 400 }]);
  });
});
