import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GameDayProps } from '../../lib/game-day-experiments.js';
import { InvalidResourceScopeError } from '../../lib/resource-scope.js';
import { SelfHealing } from '../../lib/self-healing.js';
import { GAME_DAY_CONFIG, synthesizeTestStack, testStack, type SynthesizedStack } from './test-app.js';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown>; Effect: string };

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeTestStack(GAME_DAY_CONFIG);
});

const resourcesOfType = (type: string) => synthesized.template.findResources(type) as Record<string, Resource>;
const logicalIdOf = (construct: IConstruct) => synthesized.stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
const resolve = (value: unknown) => synthesized.stack.resolve(value);
const gameDay = () => synthesized.stack.selfHealing.gameDay!;
const templateOf = (template: IConstruct) => resourcesOfType('AWS::FIS::ExperimentTemplate')[logicalIdOf(template)]!.Properties;

/** Every statement granted to the role an experiment template runs under. */
function statementsOfTemplateRole(template: IConstruct): Statement[] {
  const roleRef = templateOf(template).RoleArn as { 'Fn::GetAtt': [string, string] };
  const roleId = roleRef['Fn::GetAtt'][0];
  return Object.values(resourcesOfType('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat()).sort();

describe('game-day experiment templates', () => {
  it('are one CPU stress template per registered group and one API error template, each with its id as an output', () => {
    synthesized.template.resourceCountIs('AWS::FIS::ExperimentTemplate', 3);
    expect(gameDay().templates.map(({ name }) => name)).toEqual(['cpu-stress-web', 'cpu-stress-api', 'api-errors']);
    for (const [output, template] of [
      ['GameDayCpuStressWebTemplateId', gameDay().cpuStress.web!],
      ['GameDayCpuStressApiTemplateId', gameDay().cpuStress.api!],
      ['GameDayApiErrorsTemplateId', gameDay().apiErrors!],
    ] as const) {
      synthesized.template.hasOutput(output, { Value: { 'Fn::GetAtt': [logicalIdOf(template), 'Id'] } });
    }
  });

  it("stop when the healer breaks (its failures, its intake, its dead letters) or when the user's own alarm fires", () => {
    const { selfMonitoring } = synthesized.stack.selfHealing;
    const healer = selfMonitoring.healerBroken.slice(0, 4);
    expect(healer.slice(0, 3)).toEqual([selfMonitoring.workflowFailures, ...selfMonitoring.intakeErrors]);
    expect(healer[3]!.node.path).toMatch(/\/Intake\/DeadLetterAlarm$/);
    const expected = healer.map((alarm) => ({ Source: 'aws:cloudwatch:alarm', Value: resolve(alarm.alarmArn) }));
    for (const { template } of gameDay().templates) {
      const stops = templateOf(template).StopConditions as { Source: string; Value: unknown }[];
      expect(stops).toHaveLength(5);
      expect(stops.slice(0, 4)).toEqual(expected);
      expect(stops[4]).toEqual({ Source: 'aws:cloudwatch:alarm', Value: expect.anything() });
      expect(JSON.stringify(stops[4]!.Value)).toContain(':alarm:web-5xx-high');
    }
  });

  it("stress the group's running instances, found by their Auto Scaling tag, with AWSFIS-Run-CPU-Stress", () => {
    const template = templateOf(gameDay().cpuStress.web!);
    expect(template.Targets).toEqual({
      Instances: {
        ResourceType: 'aws:ec2:instance',
        ResourceTags: { 'aws:autoscaling:groupName': 'web' },
        Filters: [{ Path: 'State.Name', Values: ['running'] }],
        SelectionMode: 'PERCENT(100)',
      },
    });
    const action = template.Actions.CpuStress;
    expect(action).toMatchObject({ ActionId: 'aws:ssm:send-command', Targets: { Instances: 'Instances' } });
    expect(JSON.stringify(action.Parameters.documentArn)).toContain('::document/AWSFIS-Run-CPU-Stress');
    expect(JSON.parse(action.Parameters.documentParameters)).toEqual({ DurationSeconds: '300', CPU: '0', LoadPercent: '95', InstallDependencies: 'True' });
    expect(action.Parameters.duration).toBe('PT6M');
    expect(template.ExperimentOptions).toEqual({ AccountTargeting: 'single-account', EmptyTargetResolutionMode: 'fail' });
    expect(template.Description).toBe('Self-healing game day: 95% CPU on the instances of web for 5 minutes');
  });

  it("run the CPU stress under a role FIS alone may assume, that sends the command to the group's instances only", () => {
    const roleId = (templateOf(gameDay().cpuStress.web!).RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(resourcesOfType('AWS::IAM::Role')[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'fis.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        },
      },
    ]);
    const statements = statementsOfTemplateRole(gameDay().cpuStress.web!);
    expect(actionsOf(statements)).toEqual(['ec2:DescribeInstances', 'ssm:CancelCommand', 'ssm:ListCommands', 'ssm:SendCommand', 'ssm:SendCommand'].concat(
      ['logs:CreateLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy'],
    ).sort());
    const onInstances = statements.find((statement) => JSON.stringify(statement.Resource).includes(':instance/*'))!;
    expect(onInstances.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': 'web' } });
    // The api group's role cannot touch web's instances, and the other way round.
    const apiOnInstances = statementsOfTemplateRole(gameDay().cpuStress.api!).find((statement) => JSON.stringify(statement.Resource).includes(':instance/*'))!;
    expect(apiOnInstances.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/aws:autoscaling:groupName': 'api' } });
  });

  it("inject the chosen EC2 API fault into the workload role's calls, under a role that may inject only that", () => {
    const template = templateOf(gameDay().apiErrors!);
    expect(template.Targets).toEqual({ Roles: { ResourceType: 'aws:iam:role', ResourceArns: ['arn:aws:iam::123456789012:role/web-app'], SelectionMode: 'ALL' } });
    expect(template.Actions.InjectApiErrors).toEqual({
      ActionId: 'aws:fis:inject-api-throttle-error',
      Parameters: { service: 'ec2', operations: 'DescribeInstances,DescribeVolumes', percentage: '50', duration: 'PT10M' },
      Targets: { Roles: 'Roles' },
    });
    const statements = statementsOfTemplateRole(gameDay().apiErrors!);
    const mutating = actionsOf(statements).filter((action) => !action.startsWith('logs:'));
    expect(mutating).toEqual(['fis:InjectApiThrottleError']);
  });

  it('log every experiment to a vended-logs group of its own', () => {
    const logGroup = gameDay().logGroup!;
    synthesized.template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/fis/') });
    for (const { template } of gameDay().templates) {
      expect(templateOf(template).LogConfiguration).toEqual({
        CloudWatchLogsConfiguration: { LogGroupArn: resolve(logGroup.logGroupArn) },
        LogSchemaVersion: 2,
      });
    }
  });
});

describe('Slack through AWS Chatbot', () => {
  it('subscribes the channel to the topic with a read-only guardrail, and no logging custom resource', () => {
    const { slack, topic } = synthesized.stack.selfHealing;
    synthesized.template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCDEF',
      SnsTopicArns: [resolve(topic.topicArn)],
      GuardrailPolicies: [resolve(slack!.guardrail.managedPolicyArn)],
      LoggingLevel: 'NONE',
    });
    const guardrail = resourcesOfType('AWS::IAM::ManagedPolicy')[logicalIdOf(slack!.guardrail)]!.Properties.PolicyDocument.Statement as Statement[];
    expect(actionsOf(guardrail)).toEqual(['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricWidgetImage']);
    synthesized.template.resourceCountIs('Custom::LogRetention', 0);
  });
});

describe('game-day props', () => {
  function build(gameDay: GameDayProps) {
    const stack = testStack();
    const alarm = (name: string) => cloudwatch.Alarm.fromAlarmName(stack, `Alarm-${name}`, name);
    return () => new SelfHealing(stack, 'SelfHealing', { autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [alarm('web-cpu-high')] }], gameDay });
  }
  function problemsOf(construct: () => unknown): string[] {
    try {
      construct();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidResourceScopeError);
      return [...(error as InvalidResourceScopeError).problems];
    }
    throw new Error('expected the construct to throw');
  }

  it('refuses a stress on a group the healer does not heal, limits out of range, a bad role and too many stop alarms', () => {
    const stack = testStack();
    const alarms = ['a', 'b', 'c', 'd'].map((name) => cloudwatch.Alarm.fromAlarmName(stack, name, name));
    expect(
      problemsOf(
        build({
          cpuStress: { autoScalingGroupNames: ['batch'], loadPercent: 120, duration: Duration.hours(13) },
          apiErrors: { roleArn: 'web-app', operations: ['describe instances'] },
          stopConditionAlarms: alarms,
        }),
      ),
    ).toEqual([
      'gameDay.cpuStress.autoScalingGroupNames: "batch" is not a registered Auto Scaling group, so nothing would heal it',
      'gameDay.cpuStress.loadPercent: must be a whole number from 1 to 100, got 120',
      'gameDay.cpuStress.duration: must be from 1 minute to 12 hours, got 13 hours',
      'gameDay.apiErrors.operations: "describe instances" is not an EC2 API operation name (e.g. DescribeInstances)',
      'gameDay.apiErrors.roleArn: not an IAM role ARN: web-app',
      'gameDay.stopConditionAlarms: at most 3 (FIS takes 5 stop conditions, 2 are the healer\'s), got 4',
    ]);
  });

  it('refuses a game day with nothing to experiment on', () => {
    expect(problemsOf(build({ cpuStress: { autoScalingGroupNames: [] } }))).toEqual([
      'gameDay: no experiment to template; register an Auto Scaling group (for cpuStress) or set apiErrors',
    ]);
  });

  it('stresses every registered group on defaults when only `gameDay: {}` is set, without experiment logs when they are off', () => {
    const selfHealing = build({ experimentLogs: false })();
    expect(Object.keys(selfHealing.gameDay!.cpuStress)).toEqual(['web']);
    expect(selfHealing.gameDay!.logGroup).toBeUndefined();
    expect(selfHealing.gameDay!.stopConditionAlarms).toEqual(selfHealing.selfMonitoring.healerBroken);
  });
});
