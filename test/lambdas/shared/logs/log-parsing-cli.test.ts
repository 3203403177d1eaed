import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** A Loghub-style structured CSV of [content, template] rows. */
function structuredCsv(rows: readonly (readonly [string, string])[]): string {
  const quote = (field: string) => `"${field.replaceAll('"', '""')}"`;
  const lines = rows.map(([content, template], i) => `${i + 1},INFO,${quote(content)},E${template.length},${quote(template)}`);
  return ['LineId,Level,Content,EventId,EventTemplate', ...lines].join('\r\n') + '\r\n';
}

describe('npm run bench:logs', () => {
  let root: string;

  beforeAll(() => {
    // Prepare: one system the miner groups exactly, one where two true templates
    // look like one message with a variable (three distinct words in one place).
    root = mkdtempSync(path.join(tmpdir(), 'bench-logs-'));
    const systems: Record<string, (readonly [string, string])[]> = {
      Alpha: [
        ['Received block blk_1 of size 10 from /10.0.0.1', 'Received block <*> of size <*> from <*>'],
        ['Deleting block blk_2 file /data/2', 'Deleting block <*> file <*>'],
        ['Received block blk_3 of size 20 from /10.0.0.2', 'Received block <*> of size <*> from <*>'],
      ],
      Beta: [
        ['Session: 1 initialized by client SPP, ok', 'Session: <*> initialized by client SPP, ok'],
        ['Session: 2 initialized by client WUA, ok', 'Session: <*> initialized by client WUA, ok'],
        ['Session: 3 initialized by client CBS, ok', 'Session: <*> initialized by client CBS, ok'],
        ['Reboot mark refs: 4', 'Reboot mark refs: <*>'],
      ],
    };
    for (const [name, rows] of Object.entries(systems)) {
      mkdirSync(path.join(root, name));
      writeFileSync(path.join(root, name, `${name}_2k.log_structured_corrected.csv`), structuredCsv(rows));
    }
    writeFileSync(path.join(root, 'SOURCE.md'), 'not a system\n');
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('prints GA per system and the summary last, and writes one group id per line', () => {
    // Act
    const out = path.join(root, 'assignments');
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'bench/log-parsing.ts', root, '--assignments', out], {
      cwd: repoRoot,
      encoding: 'utf8',
    });

    // Assess
    const lines = stdout.trim().split('\n');
    expect(lines.find((line) => line.startsWith('Alpha'))).toMatch(/^Alpha\s+1\.0000\s+3\s/);
    expect(lines.find((line) => line.startsWith('Beta'))).toMatch(/^Beta\s+0\.2500\s+4\s/);
    expect(lines.at(-1)).toMatch(/^loghub2k: GA avg 0\.625 over 2 systems, throughput \d{1,3}(,\d{3})* lines\/s$/);
    expect(readdirSync(out).sort()).toEqual(['Alpha.csv', 'Beta.csv']);
    const alpha = readFileSync(path.join(out, 'Alpha.csv'), 'utf8').trimEnd().split('\n');
    expect(alpha).toHaveLength(3);
    expect(alpha[0]).toBe(alpha[2]);
    expect(alpha[1]).not.toBe(alpha[0]);
    const beta = readFileSync(path.join(out, 'Beta.csv'), 'utf8').trimEnd().split('\n');
    expect(new Set(beta.slice(0, 3)).size).toBe(1);
  });

  it('fails with a usage message without a directory', () => {
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'bench/log-parsing.ts'], { cwd: repoRoot, stdio: 'pipe' })).toThrow(/usage/);
  });
});
