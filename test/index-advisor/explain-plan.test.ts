import { describe, expect, it } from 'vitest';
import { isSequentialScan, parseExplainOutput, planNodes, planUsesIndex, walkPlan } from '../../lambdas/shared/index-advisor/explain-plan.js';
import { ExplainPlanParseError } from '../../lambdas/shared/index-advisor/index-advisor-errors.js';
import { fixturePlan, fixtureText, PLAN_FIXTURES } from './fixtures.js';

describe('parseExplainOutput', () => {
  it.each(PLAN_FIXTURES)('reads the real PostgreSQL 15 plan %s', (name) => {
    // Act
    const plan = fixturePlan(name);

    // Assess
    expect(plan.totalCost).toBeGreaterThan(0);
    expect(planNodes(plan).some((node) => node.relationName !== undefined)).toBe(true);
  });

  it('takes the parsed JSON value as pg returns it, as well as the text', () => {
    // Prepare
    const text = fixtureText('hash-join');

    // Act
    const fromText = parseExplainOutput(text);
    const fromValue = parseExplainOutput(JSON.parse(text));

    // Assess
    expect(fromValue).toEqual(fromText);
    expect(fromText.nodeType).toBe('Gather');
    const hashJoin = fromText.plans[0]!;
    expect(hashJoin).toMatchObject({ nodeType: 'Hash Join', hashCond: '(o.customer_id = c.id)' });
    expect(hashJoin.plans[0]).toMatchObject({ nodeType: 'Seq Scan', relationName: 'orders', schema: 'shop', alias: 'o', filter: '(o.status = $2)' });
  });

  it('keeps only the fields it knows, and leaves absent ones out', () => {
    // Act
    const plan = parseExplainOutput([{ Plan: { 'Node Type': 'Result', 'Startup Cost': 0, 'Total Cost': 0.01, 'Plan Rows': 1, 'Plan Width': 4, Output: ['1'] } }]);

    // Assess
    expect(plan).toEqual({ nodeType: 'Result', startupCost: 0, totalCost: 0.01, planRows: 1, plans: [] });
  });

  it.each([
    ['not JSON', '{"Plan": '],
    ['an object, not the array', { Plan: { 'Node Type': 'Result', 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1 } }],
    ['an empty array', []],
    ['two statements', [{ Plan: { 'Node Type': 'Result', 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1 } }, { Plan: { 'Node Type': 'Result', 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1 } }]],
    ['a node without a type', [{ Plan: { 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1 } }]],
    ['a cost that is a string', [{ Plan: { 'Node Type': 'Seq Scan', 'Startup Cost': 0, 'Total Cost': '12.5', 'Plan Rows': 1 } }]],
    ['a negative cost', [{ Plan: { 'Node Type': 'Seq Scan', 'Startup Cost': 0, 'Total Cost': -1, 'Plan Rows': 1 } }]],
    ['a child that is not a node', [{ Plan: { 'Node Type': 'Limit', 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1, Plans: [42] } }]],
    ['a Sort Key that is a string', [{ Plan: { 'Node Type': 'Sort', 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1, 'Sort Key': 'a' } }]],
    ['null', null],
    ['a number', 42],
  ])('refuses %s with ExplainPlanParseError', (_what, output) => {
    // Act
    const act = () => parseExplainOutput(output);

    // Assess
    expect(act).toThrow(ExplainPlanParseError);
  });

  it('names the wrong field in the error', () => {
    // Act
    const act = () => parseExplainOutput([{ Plan: { 'Node Type': 'Seq Scan', 'Startup Cost': 0, 'Total Cost': 'x', 'Plan Rows': 1 } }]);

    // Assess
    expect(act).toThrow(/Total Cost/);
  });

  it('refuses a plan nested absurdly deep instead of walking it', () => {
    // Prepare
    let plan: Record<string, unknown> = { 'Node Type': 'Result', 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1 };
    for (let depth = 0; depth < 250; depth += 1) plan = { 'Node Type': 'Limit', 'Startup Cost': 0, 'Total Cost': 1, 'Plan Rows': 1, Plans: [plan] };

    // Act
    const act = () => parseExplainOutput([{ Plan: plan }]);

    // Assess
    expect(act).toThrow(ExplainPlanParseError);
  });
});

describe('walkPlan', () => {
  it('visits parents before children, with the ancestors of each node', () => {
    // Prepare
    const plan = fixturePlan('limit-sort');
    const seen: string[] = [];

    // Act
    walkPlan(plan, (node, ancestors) => seen.push(`${ancestors.map((ancestor) => ancestor.nodeType).join('>')}|${node.nodeType}`));

    // Assess
    expect(seen).toEqual(['|Limit', 'Limit|Gather Merge', 'Limit>Gather Merge|Sort', 'Limit>Gather Merge>Sort|Seq Scan']);
  });
});

describe('plan helpers', () => {
  it('finds the scans that read a whole table, parallel or not', () => {
    // Prepare
    const scans = planNodes(fixturePlan('join-by-email')).filter((node) => node.relationName !== undefined);

    // Act
    const sequential = scans.filter(isSequentialScan).map((node) => node.alias);

    // Assess
    expect(sequential).toEqual(['o']);
  });

  it('tells whether a plan uses a named index', () => {
    // Prepare
    const plan = fixturePlan('index-scan-filter');

    // Act & Assess
    expect(planUsesIndex(plan, 'customers_email_key')).toBe(true);
    expect(planUsesIndex(plan, '<13556>btree_customers_tier')).toBe(false);
  });
});
