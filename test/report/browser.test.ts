import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IncidentReport, renderIncidentReportHtml } from '../../lambdas/shared/report/index.js';
import { HOSTILE, scenarioReports } from './run-report.js';

/** Debian's `chromium` package; CI installs it (`apt-get install -y chromium`). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`test/report/browser.test.ts: skipped — no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

/** Where the test leaves its screenshot, to look at the picture by eye. */
const SCREENSHOT = path.join(tmpdir(), 'self-heal-report-browser-test.png');

/** Log lines planted in the world's logs: they reach the report through the real pipeline, as evidence. */
const HOSTILE_LINES = [`2026-01-01T00:00:00Z ERROR ${HOSTILE.script}`, `2026-01-01T00:00:01Z ERROR ${HOSTILE.image}`, `2026-01-01T00:00:02Z ERROR ${HOSTILE.markup}`];

describe.skipIf(!available)('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let report: IncidentReport;
  let directory: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({
      reports: [report!],
    } = await scenarioReports('cpu-saturation', (scenario) => ({
      ...scenario,
      resources: scenario.resources.map((resource) => ({ ...resource, logGroupNames: ['/app/web'] })),
      world: { ...scenario.world, logs: { ...scenario.world.logs, '/app/web': HOSTILE_LINES } },
    })));
    directory = mkdtempSync(path.join(tmpdir(), 'self-heal-report-'));
    const file = path.join(directory, 'cpu-saturation.html');
    writeFileSync(file, renderIncidentReportHtml(report));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 }, javaScriptEnabled: true });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  it('shows the outcome as its headline', async () => {
    await expect(page.locator('#headline').innerText()).resolves.toBe('Resolved automatically');
    expect(await page.locator('#headline').isVisible()).toBe(true);
    await expect(page.locator('#outcome-detail').innerText()).resolves.toContain('raised the desired capacity of web from 4 to 6');
    await expect(page.title()).resolves.toMatch(/^Resolved automatically — web — inc-/);
  });

  it('draws the timeline: a visible SVG of real size, with the metric, the threshold and every marker label', async () => {
    const svg = page.locator('#timeline svg.timeline');
    expect(await svg.isVisible()).toBe(true);
    const box = (await svg.boundingBox())!;
    expect(box.width).toBeGreaterThan(600);
    expect(box.height).toBeGreaterThan(250);
    expect(await page.locator('#timeline polyline.metric').isVisible()).toBe(true);
    // A horizontal line has no height, which Playwright counts as invisible: its width says it is drawn across.
    expect((await page.locator('#timeline line.threshold').boundingBox())!.width).toBeGreaterThan(box.width / 2);

    const labels = ['Metric deviates', 'Onset', 'Decision: scaleOutAsg', 'Action: scaleOutAsg', 'Verified', 'Resolved'];
    const lefts: number[] = [];
    for (const label of labels) {
      const text = svg.locator('text.marker-label', { hasText: new RegExp(`^${label}$`) });
      expect(await text.isVisible(), `${label} is visible`).toBe(true);
      const labelBox = (await text.boundingBox())!;
      expect(labelBox.width).toBeGreaterThan(10);
      lefts.push((await svg.locator(`g.marker:has(text.marker-label:text-is("${label}")) line`).boundingBox())!.x);
    }
    // The marker lines run left to right in time order.
    expect(lefts).toEqual([...lefts].sort((a, b) => a - b));
    // Each label sits inside the picture.
    for (const label of labels) {
      const labelBox = (await svg.locator('text.marker-label', { hasText: new RegExp(`^${label}$`) }).boundingBox())!;
      expect(labelBox.x).toBeGreaterThanOrEqual(box.x);
      expect(labelBox.x + labelBox.width).toBeLessThanOrEqual(box.x + box.width + 1);
    }
  });

  it('shows the policy verdict and each check', async () => {
    await expect(page.locator('.policy-verdict').innerText()).resolves.toBe('ALLOWED — autonomy auto');
    expect(await page.locator('#policy table.policy-checks tbody tr').count()).toBe(report.rounds[0]!.policy!.checks.length);
    expect(await page.locator('#policy td.pass').first().isVisible()).toBe(true);
  });

  it('shows the decision, the state before and after, and the steps', async () => {
    await expect(page.locator('#decision blockquote.rationale').innerText()).resolves.toContain('scaling out 4 → 6');
    await expect(page.locator('#action table.state-change').innerText()).resolves.toMatch(/desired capacity\s+4\s+6/);
    expect(await page.locator('#steps table.steps tbody tr').count()).toBe(report.steps.length);
  });

  it('shows hostile log lines as text and runs no script', async () => {
    const logs = page.locator('#evidence pre.log-lines');
    expect(await logs.isVisible()).toBe(true);
    const shown = await logs.innerText();
    for (const hostile of Object.values(HOSTILE)) expect(shown).toContain(hostile);
    expect(await page.evaluate('typeof globalThis.__pwned')).toBe('undefined');
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('b.injected').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
