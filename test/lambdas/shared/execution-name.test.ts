import { describe, expect, it } from 'vitest';
import { executionNameFor, slug, stableDigest } from '../../../lambdas/shared/execution-name.js';

const INCIDENT = 'inc-0123456789abcdef0123';
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

describe('stableDigest', () => {
  it('is deterministic and 20 hex characters by default', () => {
    // Act
    const a = stableDigest(['123456789012', 'us-east-1', 'web-cpu-high']);
    const b = stableDigest(['123456789012', 'us-east-1', 'web-cpu-high']);

    // Assess
    expect(a).toMatch(/^[0-9a-f]{20}$/);
    expect(b).toBe(a);
  });

  it('honours a requested length', () => {
    // Act
    const digest = stableDigest(['x'], 8);

    // Assess
    expect(digest).toMatch(/^[0-9a-f]{8}$/);
    expect(stableDigest(['x']).startsWith(digest)).toBe(true);
  });

  it('joins the parts unambiguously', () => {
    // Act
    const digests = [
      stableDigest(['ab', 'c']),
      stableDigest(['a', 'bc']),
      stableDigest(['a-b', 'c']),
      stableDigest(['a', 'b-c']),
      stableDigest(['abc']),
      stableDigest(['a', 'b', 'c']),
    ];

    // Assess
    expect(new Set(digests).size).toBe(digests.length);
  });
});

describe('slug', () => {
  it.each([
    ['web', 'web'],
    ['Web Tier_01', 'web-tier-01'],
    ['--api--gateway--', 'api-gateway'],
    ['prod/web:blue', 'prod-web-blue'],
    ['日本語', ''],
    ['', ''],
  ])('turns %j into %j', (text, expected) => {
    // Act & Assess
    expect(slug(text)).toBe(expected);
  });
});

describe('executionNameFor', () => {
  it('names the resource, then the incident', () => {
    // Act & Assess
    expect(executionNameFor(INCIDENT, 'web')).toBe(`web-${INCIDENT}`);
  });

  it('is the same for the same incident and different for another', () => {
    // Act & Assess
    expect(executionNameFor(INCIDENT, 'web')).toBe(executionNameFor(INCIDENT, 'web'));
    expect(executionNameFor(INCIDENT, 'web')).not.toBe(executionNameFor('inc-ffffffffffffffffffff', 'web'));
  });

  it('shortens a long resource name to stay within 80 characters, keeping the whole incident id', () => {
    // Prepare
    const name = `checkout-service-${'very-long-segment-'.repeat(20)}`;

    // Act
    const executionName = executionNameFor(INCIDENT, name);

    // Assess
    expect(executionName).toHaveLength(80);
    expect(executionName).toMatch(EXECUTION_NAME);
    expect(executionName.endsWith(`-${INCIDENT}`)).toBe(true);
    expect(executionName.startsWith('checkout-service-very-long-segment')).toBe(true);
  });

  it('does not leave a double dash where the name was cut', () => {
    // Prepare: the cut falls right after a dash.
    const name = `${'a'.repeat(54)}-bbbb`;

    // Act
    const executionName = executionNameFor(INCIDENT, name);

    // Assess
    expect(executionName).toBe(`${'a'.repeat(54)}-${INCIDENT}`);
  });

  it('falls back to a placeholder when nothing of the name is usable', () => {
    // Act & Assess
    expect(executionNameFor(INCIDENT, '日本語')).toBe(`resource-${INCIDENT}`);
    expect(executionNameFor(INCIDENT, '---')).toBe(`resource-${INCIDENT}`);
  });

  it('always yields a valid Step Functions execution name', () => {
    // Prepare
    const alphabet = ['a', 'Z', '0', '-', '_', ' ', '/', '.', ':', 'é', '日', '🙂'];
    const names: string[] = [];
    for (let length = 1; length <= 255; length += 7) {
      for (let offset = 0; offset < alphabet.length; offset += 1) {
        names.push(Array.from({ length }, (_, index) => alphabet[(index * (offset + 1) + offset) % alphabet.length]).join(''));
      }
    }

    // Act
    const executionNames = names.map((name) => executionNameFor(INCIDENT, name));

    // Assess
    expect(executionNames.length).toBeGreaterThan(400);
    for (const executionName of executionNames) {
      expect(executionName).toMatch(EXECUTION_NAME);
      expect(executionName.endsWith(`-${INCIDENT}`)).toBe(true);
      expect(executionName).not.toMatch(/--/);
    }
  });
});
