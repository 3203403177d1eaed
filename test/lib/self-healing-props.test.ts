import { readFileSync } from 'node:fs';
import { AutoScalingGroupScopeSchema } from '../../lambdas/shared/scope.js';
import { REMEDIATE_INCIDENT_ASL } from '../../lib/workflow-functions.js';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScopeSchema } from '../../lambdas/shared/scope.js';
import type { AutoScalingGroupTarget } from '../../lib/auto-scaling-group-target.js';
import { InvalidResourceScopeError } from '../../lib/resource-scope.js';
import { DEFAULT_RUNBOOK_DIRECTORY, loadRunbookDirectory, runbooksJson } from '../../lib/runbook-files.js';
import { SelfHealing, type SelfHealingProps } from '../../lib/self-healing.js';
import { bedrockModelResources, WORKFLOW_STEPS, type WorkflowResources } from '../../lib/workflow-steps.js';
import { testStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any> };

/** The synthesized resource behind one of `selfHealing`'s constructs. */
function functionResource(selfHealing: SelfHealing, fn: { node: { defaultChild?: unknown } }): Resource {
  const stack = Stack.of(selfHealing);
  return Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)] as Resource;
}

/** An ARN as text, pseudo parameters written `<AWS::Region>`. */
function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join(separator);
}

/** Constructs SelfHealing with one group, `web`, overridden by `group` and `props`. Props are checked before any resource is created. */
function build(group: Partial<AutoScalingGroupTarget> = {}, props: Partial<SelfHealingProps> = {}) {
  const stack = testStack();
  const alarm = (name: string) => cloudwatch.Alarm.fromAlarmName(stack, `Alarm-${name}`, name);
  return () =>
    new SelfHealing(stack, 'SelfHealing', {
      autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [alarm('web-cpu-high')], ...group }],
      ...props,
    });
}

function errorOf(construct: () => unknown): InvalidResourceScopeError {
  try {
    construct();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidResourceScopeError);
    return error as InvalidResourceScopeError;
  }
  throw new Error('expected the construct to throw');
}

describe('SelfHealing props', () => {
  it('rejects a maxStep below 1', () => {
    expect(build({ maxStep: 0 })).toThrow(/autoScalingGroups\[0\] \("web"\)\.maxStep/);
  });

  it('rejects a lease that does not outlast verifyAfter by five minutes', () => {
    expect(build({ verifyAfter: Duration.minutes(10), leaseDuration: Duration.minutes(15) })).toThrow(
      /leaseDuration: must be longer than verifyAfter plus 5 minutes \(900s\), got 900s/,
    );
    expect(build({ verifyAfter: Duration.minutes(10), leaseDuration: Duration.minutes(16) })).not.toThrow();
  });

  it('rejects a group without alarms', () => {
    expect(build({ alarms: [] })).toThrow(/autoScalingGroups\[0\] \("web"\)\.alarms: register at least one alarm/);
  });

  it('rejects an alarm registered for two groups', () => {
    const stack = testStack();
    const shared = cloudwatch.Alarm.fromAlarmName(stack, 'Shared', 'shared-cpu-high');
    const error = errorOf(
      () =>
        new SelfHealing(stack, 'SelfHealing', {
          autoScalingGroups: [
            { autoScalingGroupName: 'web', alarms: [shared] },
            { autoScalingGroupName: 'api', alarms: [shared] },
          ],
        }),
    );
    expect(error.message).toMatch(/alarm "shared-cpu-high" is registered for both "autoscaling-group\/web" and "autoscaling-group\/api"/);
  });

  it('rejects no target at all, a group registered twice, and names unknown at synth time', () => {
    expect(errorOf(() => new SelfHealing(testStack(), 'SelfHealing', { autoScalingGroups: [] })).problems).toEqual([
      'register at least one target: autoScalingGroups, eksDeployments, webAcls or postgresDatabases',
    ]);
    expect(errorOf(() => new SelfHealing(testStack(), 'SelfHealing', {})).problems).toEqual([
      'register at least one target: autoScalingGroups, eksDeployments, webAcls or postgresDatabases',
    ]);
    const stack = testStack();
    const alarm = cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high');
    const other = cloudwatch.Alarm.fromAlarmName(stack, 'Other', 'web-latency-high');
    const twice = errorOf(
      () =>
        new SelfHealing(stack, 'SelfHealing', {
          autoScalingGroups: [
            { autoScalingGroupName: 'web', alarms: [alarm] },
            { autoScalingGroupName: 'web', alarms: [other] },
          ],
        }),
    );
    expect(twice.message).toMatch(/"web" is registered more than once/);
    expect(build({ autoScalingGroupName: Lazy.string({ produce: () => 'web' }) })).toThrow(/must be a literal string known at synth time/);
  });

  it('checks the limits ScopeSchema enforces, naming the prop', () => {
    expect(build({ maxAttempts: 11 })).toThrow(/\("web"\)\.maxAttempts: Too big/);
    expect(build({ verifyAfter: Duration.hours(2), leaseDuration: Duration.hours(3) })).toThrow(/verifyAfter \(in seconds\): Too big/);
    expect(build({ maxCapacity: 0 })).toThrow(/maxCapacity/);
    expect(build({}, { maxAttempts: 0 })).toThrow(/^Invalid self-healing resource scope:[\s\S]*- maxAttempts: must be an integer from 1 to 10, got 0/);
    expect(build({ cooldown: Duration.millis(1500) })).toThrow(/cooldown/);
  });

  it('lists every problem at once', () => {
    const error = errorOf(build({ maxStep: 0, alarms: [] }));
    expect(error.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('defaults to dry-run and the documented limits', () => {
    const stack = testStack();
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high')] }],
    });
    expect(selfHealing.resourceScope).toEqual({
      mode: 'dry-run',
      resources: [
        {
          kind: 'autoscaling-group',
          name: 'web',
          alarmNames: ['web-cpu-high'],
          dependentAlarmNames: [],
          maxStep: 2,
          maxAttempts: 3,
          leaseSeconds: 1_800,
          cooldownSeconds: 900,
          verifyAfterSeconds: 300,
          autonomy: {},
          dependencies: [],
          logGroupNames: [],
          relatedMetrics: [],
          approvalTimeoutSeconds: 3_600,
          flapGuard: { attemptBudget: 3, budgetWindowSeconds: 21_600, circuitFailureThreshold: 3, maxCooldownSeconds: 21_600 },
        },
      ],
      autonomy: {},
      guardrails: { protectedCidrs: [], allowedNamespaces: [] },
    });
  });
});

describe('autonomy and guardrails', () => {
  it('reach RESOURCE_SCOPE, deployment-wide and per group', () => {
    const selfHealing = build(
      {
        autonomy: { scaleOutAsg: 'approve', escalateOnly: 'auto' },
        dependencies: ['waf-ip-set/REGIONAL/web-blocklist', 'eks-deployment/prod/web/frontend'],
        logGroupNames: ['/ecs/web'],
        relatedMetrics: [{ namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: {}, stat: 'Sum' }],
        approvalTimeout: Duration.minutes(20),
      },
      {
        mode: 'auto',
        autonomy: { blockIpInWaf: 'recommend', rollbackEksDeployment: 'observe' },
        guardrails: { protectedCidrs: ['198.51.100.0/24'], allowedNamespaces: ['web', 'payments'] },
      },
    )();
    expect(selfHealing.resourceScope).toMatchObject({
      autonomy: { blockIpInWaf: 'recommend', rollbackEksDeployment: 'observe' },
      guardrails: { protectedCidrs: ['198.51.100.0/24'], allowedNamespaces: ['web', 'payments'] },
      resources: [
        {
          name: 'web',
          autonomy: { scaleOutAsg: 'approve', escalateOnly: 'auto' },
          dependencies: ['waf-ip-set/REGIONAL/web-blocklist', 'eks-deployment/prod/web/frontend'],
          logGroupNames: ['/ecs/web'],
          relatedMetrics: [{ namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: {}, stat: 'Sum' }],
          approvalTimeoutSeconds: 1_200,
        },
      ],
    });
    // What CheckPolicy (which applies autonomy and guardrails) is actually given.
    const checkPolicy = functionResource(selfHealing, selfHealing.workflowFunctions.CheckPolicy);
    expect(ScopeSchema.parse(JSON.parse(checkPolicy.Properties.Environment.Variables.RESOURCE_SCOPE))).toEqual(selfHealing.resourceScope);
  });

  it('hands flapGuard to every group, in seconds, keeping the defaults for what it leaves out', () => {
    const selfHealing = build({}, { flapGuard: { attemptBudget: 5, budgetWindow: Duration.hours(2), maxCooldown: Duration.minutes(30) } })();
    expect(selfHealing.resourceScope.resources[0]!.flapGuard).toEqual({
      attemptBudget: 5,
      budgetWindowSeconds: 7_200,
      circuitFailureThreshold: 3,
      maxCooldownSeconds: 1_800,
    });
  });

  it('rejects a flapGuard outside the limits the functions enforce, naming the field', () => {
    const error = errorOf(build({}, { flapGuard: { attemptBudget: 0, circuitFailureThreshold: 1.5, budgetWindow: Duration.seconds(30) } }));
    expect(error.problems).toEqual([
      expect.stringMatching(/^flapGuard\.attemptBudget: /),
      expect.stringMatching(/^flapGuard\.budgetWindow \(in seconds\): /),
      expect.stringMatching(/^flapGuard\.circuitFailureThreshold: /),
    ]);
  });

  it('rejects an unknown action name in autonomy, naming the key and where it was set', () => {
    expect(build({}, { autonomy: { scaleOutAsgg: 'auto' } as never })).toThrow(/- autonomy: Unrecognized key: "scaleOutAsgg"/);
    expect(build({ autonomy: { rebootEverything: 'auto' } as never })).toThrow(
      /- autoScalingGroups\[0\] \("web"\)\.autonomy: Unrecognized key: "rebootEverything"/,
    );
    expect(errorOf(build({ autonomy: { rebootEverything: 'auto' } as never }))).toBeInstanceOf(InvalidResourceScopeError);
  });

  it('rejects an unknown autonomy level, naming the action', () => {
    expect(build({}, { autonomy: { scaleOutAsg: 'yolo' } as never })).toThrow(/- autonomy\.scaleOutAsg: Invalid option: expected one of "observe"\|"recommend"\|"approve"\|"auto"/);
    expect(build({ autonomy: { blockIpInWaf: 'always' } as never })).toThrow(/\("web"\)\.autonomy\[blockIpInWaf\]: Invalid option/);
  });

  it('rejects a protected CIDR that does not parse (e.g. "10.0.0.0/33", "office"), naming it', () => {
    const message = errorOf(build({}, { guardrails: { protectedCidrs: ['203.0.113.0/24', '10.0.0.0/33', 'office'] } })).message;
    expect(message).toMatch(/guardrails\.protectedCidrs\[1\]: "10\.0\.0\.0\/33" is not a CIDR/);
    expect(message).toMatch(/guardrails\.protectedCidrs\[2\]: "office" is not a CIDR/);
    expect(build({}, { guardrails: { protectedCidrs: ['203.0.113.0/24', '2001:db8::/32'] } })).not.toThrow();
  });

  it('rejects more than five log groups, and an approval timeout outside one minute to twelve hours', () => {
    const logGroupNames = ['/a', '/b', '/c', '/d', '/e', '/f'];
    expect(build({ logGroupNames })).toThrow(/\("web"\)\.logGroupNames: Too big/);
    expect(build({ approvalTimeout: Duration.seconds(59) })).toThrow(/\("web"\)\.approvalTimeout\w*( \(in seconds\))?: Too small/);
    expect(build({ approvalTimeout: Duration.hours(13) })).toThrow(/\("web"\)\.approvalTimeout\w*( \(in seconds\))?: Too big/);
    expect(build({ approvalTimeout: Duration.hours(12) })).not.toThrow();
    expect(build({ approvalTimeout: Duration.minutes(1) })).not.toThrow();
  });

  it('keeps the longest approval wait well inside the state machine execution timeout', () => {
    // A wait longer than what is left of the execution would end it as TimedOut: no escalation.
    const asl = JSON.parse(readFileSync(REMEDIATE_INCIDENT_ASL, 'utf8')) as { TimeoutSeconds: number };
    const longest = AutoScalingGroupScopeSchema.shape.approvalTimeoutSeconds.unwrap().maxValue!;
    expect(asl.TimeoutSeconds - longest).toBeGreaterThanOrEqual(12 * 3_600);
  });
});

describe('decision', () => {
  const decideOf = (selfHealing: SelfHealing) => functionResource(selfHealing, selfHealing.workflowFunctions.Decide);
  const bedrockStatementsOf = (selfHealing: SelfHealing) =>
    Object.values(Template.fromStack(Stack.of(selfHealing)).findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('bedrock:')));
  const arns = (selfHealing: SelfHealing) =>
    bedrockStatementsOf(selfHealing).flatMap((statement) => [statement.Resource].flat().map((arn) => arnText(Stack.of(selfHealing).resolve(arn))));

  it('passes the configured model and limits to Decide', () => {
    const selfHealing = build(
      {},
      { decision: { modelId: 'eu.anthropic.claude-haiku-4-5', maxTokens: 2_048, timeout: Duration.seconds(12), minConfidence: 0.8, maxPromptChars: 30_000 } },
    )();
    expect(decideOf(selfHealing).Properties.Environment.Variables).toMatchObject({
      BEDROCK_MODEL_ID: 'eu.anthropic.claude-haiku-4-5',
      BEDROCK_MAX_TOKENS: '2048',
      BEDROCK_TIMEOUT_MS: '12000',
      DECISION_MIN_CONFIDENCE: '0.8',
      DECISION_MAX_PROMPT_CHARS: '30000',
    });
    expect(arns(selfHealing)).toEqual([
      'arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/eu.anthropic.claude-haiku-4-5',
      'arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-haiku-4-5',
      'arn:<AWS::Partition>:bedrock:::foundation-model/anthropic.claude-haiku-4-5',
    ]);
  });

  it('scopes InvokeModel to the foundation model in its own region when the id is not an inference profile', () => {
    const selfHealing = build({}, { decision: { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' } })();
    const statements = bedrockStatementsOf(selfHealing);
    expect(statements).toHaveLength(1);
    expect([statements[0]!.Action].flat()).toEqual(['bedrock:InvokeModel']);
    expect(arns(selfHealing)).toEqual(['arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0']);
  });

  it('with modelId null: no Bedrock permission, an empty BEDROCK_MODEL_ID, and the other limits still set', () => {
    const selfHealing = build({}, { decision: { modelId: null } })();
    expect(bedrockStatementsOf(selfHealing)).toEqual([]);
    expect(decideOf(selfHealing).Properties.Environment.Variables).toMatchObject({
      BEDROCK_MODEL_ID: '',
      BEDROCK_MAX_TOKENS: '1024',
      BEDROCK_TIMEOUT_MS: '20000',
      DECISION_MIN_CONFIDENCE: '0.6',
      DECISION_MAX_PROMPT_CHARS: '16000',
    });
  });

  // SelfHealing passes decision props through unchecked; lambdas/decide/decision-settings.ts
  // rejects them at cold start (every incident then escalates), and a model timeout at or above
  // Decide's 50 s function timeout kills the function before it can fall back to the runbooks.
  it('rejects decision settings the Decide function would refuse, or a model timeout that leaves no time to fall back', () => {
    expect(build({}, { decision: { maxTokens: 10 } })).toThrow(/decision\.maxTokens/);
    expect(build({}, { decision: { minConfidence: 2 } })).toThrow(/decision\.minConfidence/);
    expect(build({}, { decision: { timeout: Duration.seconds(45) } })).toThrow(/decision\.timeout: must be at most 40s/);
    expect(build({}, { decision: { modelId: ' ' } })).toThrow(/decision\.modelId: must not be empty/);
    expect(build({}, { decision: { timeout: Duration.seconds(40), maxTokens: 2_048 } })).not.toThrow();
  });
});

describe('runbooks', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'self-healing-runbooks-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  /** A folder holding the shipped runbooks plus `files`. */
  function runbookFolder(name: string, files: Record<string, string>): string {
    const folder = path.join(directory, name);
    mkdirSync(folder);
    cpSync(DEFAULT_RUNBOOK_DIRECTORY, folder, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(folder, file), text);
    return folder;
  }

  it('fails the synth on a runbook that is not YAML, naming the file', () => {
    const runbookDirectory = runbookFolder('bad-yaml', { 'broken.yaml': 'id: broken\nmatch: [unclosed\n' });
    expect(build({}, { runbookDirectory })).toThrow(/runbook broken\.yaml is not valid YAML/);
  });

  it('fails the synth on a runbook the schema rejects, naming the file and the field', () => {
    const runbookDirectory = runbookFolder('bad-schema', {
      'zz-reboot.yaml': [
        'id: reboot-everything',
        'description: Reboots every instance.',
        'match: { metricNames: [CPUUtilization] }',
        'action: rebootEverything',
        'planner: escalate',
      ].join('\n'),
    });
    expect(build({}, { runbookDirectory })).toThrow(/invalid runbooks in .*bad-schema:\n(.*\n)*zz-reboot\.yaml \(action\): /);
  });

  it('embeds the validated runbooks of the folder through esbuild define, not the environment', () => {
    const expected = loadRunbookDirectory();
    // One runbook per shipped file (the set grows as actions are added), the first ones among them.
    expect(expected).toHaveLength(readdirSync(DEFAULT_RUNBOOK_DIRECTORY).filter((file) => /\.ya?ml$/.test(file)).length);
    expect(expected.map((runbook) => runbook.id)).toEqual(expect.arrayContaining(['asg-cpu-high-scale-out', 'cpu-low-escalate']));
    expect(runbooksJson()).toBe(JSON.stringify(expected));

    const define = WORKFLOW_STEPS.Decide.define!({ runbooksJson: runbooksJson() } as WorkflowResources);
    expect(Object.keys(define)).toEqual(['process.env.RUNBOOKS_JSON']);
    // A define value is JavaScript source: a string literal holding the JSON.
    expect(JSON.parse(JSON.parse(define['process.env.RUNBOOKS_JSON']!))).toEqual(expected);

    const others = Object.entries(WORKFLOW_STEPS).filter(([id, step]) => id !== 'Decide' && step.define !== undefined);
    expect(others).toEqual([]);

    const selfHealing = build()();
    expect(decideOf(selfHealing).Properties.Environment.Variables.RUNBOOKS_JSON).toBeUndefined();
  });

  const decideOf = (selfHealing: SelfHealing) => functionResource(selfHealing, selfHealing.workflowFunctions.Decide);
});

describe('bedrockModelResources', () => {
  it('pins the model id and acknowledges only the region wildcard of an inference profile', () => {
    const resolve = (value: string) => arnText(new Stack().resolve(value));
    const profile = bedrockModelResources('us.amazon.nova-pro-v1:0');
    expect(profile.arns.map(resolve)).toEqual([
      'arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:inference-profile/us.amazon.nova-pro-v1:0',
      'arn:<AWS::Partition>:bedrock:*::foundation-model/amazon.nova-pro-v1:0',
      'arn:<AWS::Partition>:bedrock:::foundation-model/amazon.nova-pro-v1:0',
    ]);
    expect(profile.wildcardFindings).toEqual(['arn:<AWS::Partition>:bedrock:*::foundation-model/amazon.nova-pro-v1:0']);

    const model = bedrockModelResources('amazon.nova-pro-v1:0');
    expect(model.arns.map(resolve)).toEqual(['arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/amazon.nova-pro-v1:0']);
    expect(model.wildcardFindings).toEqual([]);
  });
});
