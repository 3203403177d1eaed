import { createHash } from 'node:crypto';

/** Step Functions execution names: 1–80 characters of letters, digits, '-' and '_'. */
const MAX_NAME = 80;

/** A short, stable hex digest of the parts, joined unambiguously. */
export function stableDigest(parts: readonly string[], length = 20): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, length);
}

/** Lower-case, dash-separated, safe for execution names and DynamoDB keys. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The execution name for an incident: readable (it names the resource) and
 * deterministic (the same incident always maps to the same name, so Step
 * Functions refuses to start a second run for a duplicate delivery).
 */
export function executionNameFor(incidentId: string, resourceName: string): string {
  const suffix = incidentId;
  const room = MAX_NAME - suffix.length - 1;
  const prefix = slug(resourceName).slice(0, room).replace(/-+$/g, '') || 'resource';
  return `${prefix}-${suffix}`;
}
