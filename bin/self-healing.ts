import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { SelfHealingStack } from '../lib/self-healing-stack.js';
import { parseSelfHealingConfig } from '../lib/self-healing-config.js';

const app = new App();

new SelfHealingStack(app, 'SelfHealing', {
  config: parseSelfHealingConfig(app.node.tryGetContext('selfHealing')),
  // Both may be undefined (no credentials): the stack is then environment-agnostic.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
