import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { LogSubscriptionIntake } from '../../../lib/log-subscription-intake.js';

/** The construct lives in lib/; its test sits with the log intake's until the lead wires it into the stack. */
function stackWithFunction(): { stack: Stack; fn: lambda.Function } {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = new lambda.Function(stack, 'LogIntake', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  return { stack, fn };
}

describe('LogSubscriptionIntake', () => {
  it('subscribes the function to every declared log group, delivering every event', () => {
    // Prepare
    const { stack, fn } = stackWithFunction();

    // Act
    const intake = new LogSubscriptionIntake(stack, 'Logs', { function: fn, logGroupNames: ['/ecs/web', '/aws/eks/prod/containers'] });

    // Assess
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    for (const name of ['/ecs/web', '/aws/eks/prod/containers']) {
      template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
        LogGroupName: name,
        FilterPattern: '',
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LogIntake'), 'Arn'] },
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'logs.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp(`:log-group:${name}:\\*$`)])]) }),
      });
    }
    template.resourceCountIs('AWS::Lambda::Permission', 2);
    expect([...intake.subscriptionFilters.keys()]).toEqual(['/ecs/web', '/aws/eks/prod/containers']);
  });

  it('uses the filter pattern it is given', () => {
    const { stack, fn } = stackWithFunction();
    new LogSubscriptionIntake(stack, 'Logs', { function: fn, logGroupNames: ['/ecs/web'], filterPattern: '?ERROR ?Exception' });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::SubscriptionFilter', { LogGroupName: '/ecs/web', FilterPattern: '?ERROR ?Exception' });
  });

  it('refuses a log group listed twice or an empty name', () => {
    const { stack, fn } = stackWithFunction();
    expect(() => new LogSubscriptionIntake(stack, 'Twice', { function: fn, logGroupNames: ['/ecs/web', '/ecs/web'] })).toThrow(/listed twice/);
    expect(() => new LogSubscriptionIntake(stack, 'Empty', { function: fn, logGroupNames: [' '] })).toThrow(/empty/);
  });
});
