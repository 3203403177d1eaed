import { isIP } from 'node:net';
import * as z from 'zod';
import type { Incident } from '../shared/incident.js';
import type { IncidentContext } from '../shared/workflow.js';
import { parseAccessLogLine } from '../shared/access-logs/flood-detector.js';
import type { Planner, PlanResult } from './planners.js';

/** The client that dominates the access-log lines in the context, and its share of them. */
export function dominantClient(context: IncidentContext): { ip: string; requests: number; share: number; lines: number } | undefined {
  const counts = new Map<string, number>();
  let lines = 0;
  for (const excerpt of context.logs) {
    for (const line of excerpt.lines) {
      const request = parseAccessLogLine(line.message, Date.parse(line.at));
      if (request === undefined) continue;
      const times = line.repeats ?? 1;
      lines += times;
      counts.set(request.ip, (counts.get(request.ip) ?? 0) + times);
    }
  }
  const [top] = [...counts].sort((a, b) => b[1] - a[1]);
  if (top === undefined) return undefined;
  return { ip: top[0], requests: top[1], share: top[1] / lines, lines };
}

/** The site's blocklist, from the targets its scope allows: exactly one `waf-ip-set/SCOPE/NAME`. */
function blocklistOf(context: IncidentContext): { scope: 'REGIONAL' | 'CLOUDFRONT'; name: string } | undefined {
  const sets = context.resource.dependencies.filter((target) => target.startsWith('waf-ip-set/'));
  if (sets.length !== 1) return undefined;
  const [, scope, ...name] = sets[0]!.split('/');
  if (scope !== 'REGIONAL' && scope !== 'CLOUDFRONT') return undefined;
  return { scope, name: name.join('/') };
}

const BlockFloodingClientOptions = z
  .object({
    durationMinutes: z.number().int().min(5).max(1_440).default(60),
    /** Share of the access-log lines in the context one client must account for to be blocked without a flood detection. */
    minShare: z.number().min(0.3).max(1).default(0.5),
  })
  .strict();

/**
 * Blocks the one client that floods the site: the address a `client-flood`
 * log detection named, or the client that dominates the access-log lines in
 * the context. Declines when no single client stands out — blocking a
 * crowd is not this runbook's job.
 */
export const blockFloodingClient: Planner<typeof BlockFloodingClientOptions> = {
  plans: 'blockIpInWaf',
  with: BlockFloodingClientOptions,
  plan(incident: Incident, context: IncidentContext, { durationMinutes, minShare }): PlanResult {
    const blocklist = blocklistOf(context);
    if (blocklist === undefined) return { kind: 'decline', reason: `${incident.resource.id} declares no single WAF IP set to block in` };
    const signal = incident.signal;
    let ip: string | undefined;
    const evidence: string[] = [];
    if (signal.source === 'log-detection' && signal.detection === 'client-flood' && signal.fields.ip !== undefined) {
      ip = signal.fields.ip;
      evidence.push(`log detection in ${signal.logGroup}: ${signal.count} requests from ${ip} (${signal.summary})`.slice(0, 500));
    } else {
      const top = dominantClient(context);
      if (top === undefined) return { kind: 'decline', reason: 'no access-log lines in the context name a client' };
      if (top.share < minShare) {
        return { kind: 'decline', reason: `no single client dominates the traffic: the busiest, ${top.ip}, sent ${Math.round(top.share * 100)}% of ${top.lines} requests` };
      }
      ip = top.ip;
      evidence.push(`${top.ip} sent ${top.requests} of ${top.lines} requests (${Math.round(top.share * 100)}%) in the access logs read`);
    }
    const family = isIP(ip);
    if (family === 0) return { kind: 'decline', reason: `"${ip.slice(0, 64)}" is not an IP address` };
    const cidr = `${ip}/${family === 4 ? 32 : 128}`;
    return {
      kind: 'plan',
      params: { ipSetName: blocklist.name, scope: blocklist.scope, cidr, durationMinutes },
      rationale: `One client floods ${incident.resource.name}: block ${cidr} in ${blocklist.scope}/${blocklist.name} for ${durationMinutes} minutes; the block expires on its own.`,
      evidence,
    };
  },
};
