import { describe, expect, it } from 'vitest';
import { evidenceLines, findingTitle, formatFinding, formatFindings, MAX_LOG_LINES_SHOWN, suggestionLines } from '../../cli/format-findings.js';
import type { Finding } from '../../lambdas/shared/k8s-diagnostics/index.js';

const missing: Finding = {
  kind: 'Deployment',
  name: 'web',
  namespace: 'shop',
  reason: 'MissingEnvVar',
  severity: 'critical',
  message: 'Deployment shop/web fails because environment variable DATABASE_URL is missing.',
  at: '2026-11-27T09:58:01.000Z',
  evidence: {
    containerState: 'waiting: CrashLoopBackOff',
    exitCode: 1,
    lastTerminationReason: 'Error',
    details: { configMap: 'app-config', key: 'DATABASE_URL' },
    events: ['Warning BackOff ×12: Back-off restarting failed container', 'b', 'c', 'd'],
    logTail: ['1', '2', '3', '4', '5', '6', 'Error: environment variable DATABASE_URL is not set'],
  },
  suggestion: {
    action: 'patchEksConfigMap',
    why: 'Set key DATABASE_URL of ConfigMap shop/app-config.',
    params: { namespace: 'shop', configMap: 'app-config', key: 'DATABASE_URL', value: 'postgres://db' },
    followUp: { action: 'restartEksDeployment', why: 'pods read it at start', params: { namespace: 'shop', deployment: 'web' } },
  },
};

const node: Finding = {
  kind: 'Node',
  name: 'ip-10-0-1-2',
  reason: 'NodeNotReady',
  severity: 'high',
  message: 'Node ip-10-0-1-2 is NotReady.',
  evidence: {},
  suggestion: { action: 'escalateOnly', why: 'nodes are not in the catalog' },
};

describe('format-findings', () => {
  it('titles a finding like k8sgpt: kind namespace/name — reason (severity), without a namespace for cluster objects', () => {
    expect(findingTitle(missing)).toBe('Deployment shop/web — MissingEnvVar (critical)');
    expect(findingTitle(node)).toBe('Node ip-10-0-1-2 — NodeNotReady (high)');
  });

  it('shows the proposed action with its params and the follow-up', () => {
    expect(suggestionLines(missing.suggestion)).toEqual([
      '→ proposes: patchEksConfigMap namespace="shop" configMap="app-config" key="DATABASE_URL" value="postgres://db" (Set key DATABASE_URL of ConfigMap shop/app-config.)',
      '  then: restartEksDeployment namespace="shop" deployment="web" (pods read it at start)',
    ]);
    expect(suggestionLines(node.suggestion)).toEqual(['→ proposes: escalateOnly (nodes are not in the catalog)']);
  });

  it('keeps the key evidence short and marks log lines as untrusted', () => {
    const lines = evidenceLines(missing.evidence);
    expect(lines.slice(0, 4)).toEqual(['state: waiting: CrashLoopBackOff', 'last termination: Error, exit code 1', 'configMap: app-config', 'key: DATABASE_URL']);
    expect(lines.filter((line) => line.startsWith('event: '))).toEqual([
      'event: Warning BackOff ×12: Back-off restarting failed container',
      'event: b',
      'event: c',
      'event: … 1 more',
    ]);
    expect(lines).toContain('log (untrusted application output):');
    expect(lines.filter((line) => line.startsWith('  | '))).toHaveLength(MAX_LOG_LINES_SHOWN);
    expect(lines.at(-1)).toBe('  | Error: environment variable DATABASE_URL is not set');
    expect(evidenceLines({})).toEqual([]);
  });

  it('numbers the findings and indents their bodies under the number', () => {
    const block = formatFinding(node, 12);
    expect(block).toEqual([
      '12. Node ip-10-0-1-2 — NodeNotReady (high)',
      '    Node ip-10-0-1-2 is NotReady.',
      '    → proposes: escalateOnly (nodes are not in the catalog)',
    ]);
  });

  it('prints a header, blank-line separated findings, what was left out, and the notes', () => {
    const lines = formatFindings([missing, node], { scope: 'context kind (https://x), namespace shop', total: 5, notes: ['list events in shop skipped: HTTP 403'] });
    expect(lines[0]).toBe('2 findings in context kind (https://x), namespace shop (3 more left out; raise --max-findings or use --json):');
    expect(lines[1]).toBe('');
    expect(lines[2]).toBe('1. Deployment shop/web — MissingEnvVar (critical)');
    expect(lines).toContain('2. Node ip-10-0-1-2 — NodeNotReady (high)');
    expect(lines.slice(-3)).toEqual(['', 'Notes:', '- list events in shop skipped: HTTP 403']);
  });

  it('says so when nothing was found', () => {
    expect(formatFindings([], { scope: 'EKS cluster prod, namespace shop' })).toEqual(['No problems found in EKS cluster prod, namespace shop.']);
    expect(formatFindings([node])[0]).toBe('1 finding:');
  });
});
