import { isIP } from 'node:net';

/**
 * Finds clients that flood a service, from access-log lines: AWS WAF logs
 * (one JSON object per line) and Application Load Balancer access logs
 * (space-separated fields). Any other line is not an access-log line and is
 * ignored. Pure: no clock, no I/O.
 */

export interface FloodOptions {
  /**
   * A client is flooding when its requests per minute over the window are
   * above this.
   * @default 300
   */
  readonly thresholdPerMinute?: number;
  /**
   * Shortest window the rate is taken over: a batch whose requests all fall
   * in one second is still read as a minute, so one burst of a few hundred
   * requests is not a flood of tens of thousands per minute.
   * @default 60
   */
  readonly minWindowSeconds?: number;
  /**
   * Whether requests that WAF already blocked count. They do not by default:
   * a block rule already stops them, and blocking the client again changes
   * nothing.
   * @default false
   */
  readonly countBlocked?: boolean;
}

/** A line of the batch: the log event's text and time (epoch ms). */
export interface AccessLogInput {
  readonly message: string;
  readonly timestamp: number;
}

/** One request read from an access-log line. */
export interface AccessLogRequest {
  readonly format: 'waf' | 'alb';
  /** The client address, as `net.isIP` accepts it (IPv6 lower-cased). */
  readonly ip: string;
  /** When the request was made (epoch ms): from the line, else from the log event. */
  readonly timestamp: number;
  /** WAF's action (`ALLOW`, `BLOCK`, `COUNT`, `CAPTCHA`, `CHALLENGE`); absent for ALB. */
  readonly action?: string;
}

export interface ClientFlood {
  readonly ip: string;
  readonly requests: number;
  /** The window the rate is over: the batch's span of request times, at least `minWindowSeconds`. */
  readonly windowSeconds: number;
  readonly perMinute: number;
  /** The client's first request line in the batch. */
  readonly sample: string;
  /** Index in the input of that line. */
  readonly sampleIndex: number;
}

const ALB_TYPES = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);

/** Reads a WAF or ALB access-log line; `undefined` for any other line or an invalid client address. */
export function parseAccessLogLine(line: string, eventTimestamp: number): AccessLogRequest | undefined {
  const text = line.trimStart();
  if (text.startsWith('{')) return parseWafLine(text, eventTimestamp);
  return parseAlbLine(text, eventTimestamp);
}

function parseWafLine(text: string, eventTimestamp: number): AccessLogRequest | undefined {
  if (!text.includes('"httpRequest"')) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const { httpRequest, timestamp, action } = record as { httpRequest?: unknown; timestamp?: unknown; action?: unknown };
  if (typeof httpRequest !== 'object' || httpRequest === null) return undefined;
  const ip = normalisedIp((httpRequest as { clientIp?: unknown }).clientIp);
  if (ip === undefined) return undefined;
  return {
    format: 'waf',
    ip,
    timestamp: typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : eventTimestamp,
    ...(typeof action === 'string' ? { action } : {}),
  };
}

/** `type time elb client:port target:port …`: the client is the fourth field. */
function parseAlbLine(text: string, eventTimestamp: number): AccessLogRequest | undefined {
  const fields = text.split(' ', 4);
  if (fields.length < 4 || !ALB_TYPES.has(fields[0]!)) return undefined;
  const ip = normalisedIp(hostOf(fields[3]!));
  if (ip === undefined) return undefined;
  const time = Date.parse(fields[1]!);
  return { format: 'alb', ip, timestamp: Number.isFinite(time) ? time : eventTimestamp };
}

/** The address of `ip:port` or `[ipv6]:port` (ALB also writes IPv6 unbracketed, the port after the last colon). */
function hostOf(clientPort: string): string {
  if (clientPort.startsWith('[')) {
    const end = clientPort.indexOf(']');
    return end === -1 ? '' : clientPort.slice(1, end);
  }
  const colon = clientPort.lastIndexOf(':');
  return colon === -1 ? clientPort : clientPort.slice(0, colon);
}

function normalisedIp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const version = isIP(value);
  if (version === 4) return value;
  if (version === 6) return value.toLowerCase();
  return undefined;
}

/** A request and the index of its line in the input. */
export interface IndexedRequest extends AccessLogRequest {
  readonly index: number;
}

/**
 * The clients whose request rate over the batch is above the threshold,
 * most requests first (ties by address, so the order is stable).
 */
export function detectClientFloods(lines: readonly AccessLogInput[], options: FloodOptions = {}): ClientFlood[] {
  const requests: IndexedRequest[] = [];
  for (let index = 0; index < lines.length; index++) {
    const request = parseAccessLogLine(lines[index]!.message, lines[index]!.timestamp);
    if (request !== undefined) requests.push({ ...request, index });
  }
  return floodsAmong(requests, lines, options);
}

/** `detectClientFloods` for requests already parsed from `lines`. */
export function floodsAmong(requests: readonly IndexedRequest[], lines: readonly AccessLogInput[], options: FloodOptions = {}): ClientFlood[] {
  const threshold = options.thresholdPerMinute ?? 300;
  const minWindowSeconds = options.minWindowSeconds ?? 60;
  if (!(threshold > 0)) throw new RangeError('thresholdPerMinute must be above 0');
  if (!(minWindowSeconds > 0)) throw new RangeError('minWindowSeconds must be above 0');

  const clients = new Map<string, { requests: number; sampleIndex: number }>();
  let first = Infinity;
  let last = -Infinity;
  for (const request of requests) {
    if (request.action === 'BLOCK' && options.countBlocked !== true) continue;
    if (request.timestamp < first) first = request.timestamp;
    if (request.timestamp > last) last = request.timestamp;
    const client = clients.get(request.ip);
    if (client === undefined) clients.set(request.ip, { requests: 1, sampleIndex: request.index });
    else client.requests++;
  }
  if (clients.size === 0) return [];

  const windowSeconds = Math.max(minWindowSeconds, (last - first) / 1000);
  const floods: ClientFlood[] = [];
  for (const [ip, { requests: count, sampleIndex }] of clients) {
    const perMinute = count / (windowSeconds / 60);
    if (perMinute > threshold) {
      floods.push({ ip, requests: count, windowSeconds, perMinute, sample: lines[sampleIndex]!.message, sampleIndex });
    }
  }
  return floods.sort((a, b) => b.requests - a.requests || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}
