import { beforeAll, describe, expect, it } from 'vitest';
import type { SelfHealingConfig } from '../../lib/self-healing-config.js';
import { acknowledgementsIn, EKS_AND_WAF_CONFIG, GAME_DAY_CONFIG, OBSERVE_CONFIG, synthesizeTestStack, TEST_CONFIG, type SynthesizedStack } from './test-app.js';

/**
 * Least privilege, checked on the synthesized template: no action that
 * changes something may be granted on a resource containing `*` unless a
 * cdk-nag acknowledgement on the same policy names that exact resource (or
 * action) with a specific reason. A new unreasoned wildcard fails here.
 */

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Read-only verbs; everything else counts as mutating. */
const READ_ONLY = /^[a-z0-9-]+:(Describe|Get|List|Query|Scan|BatchGet|Lookup|Filter|Search|Select|ConditionCheck)/;
/** Reasons that explain nothing. */
const VAGUE = /^(needed|required|necessary|ok|fine|todo|wildcard)\.?$/i;

/** The resource as cdk-nag writes it in a finding id: pseudo parameters as `<AWS::…>`, references as `<LogicalId.Attr>`. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `<${String(object.Ref)}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  return JSON.stringify(value);
}

/** Per config: a mutating action the check must find on a wildcard resource, so it is not vacuous. */
describe.each<[string, SelfHealingConfig, string]>([
  // SetDesiredCapacity is pinned by group name, but the group id in its ARN is AWS-generated.
  ['TEST_CONFIG', TEST_CONFIG, 'autoscaling:SetDesiredCapacity'],
  // Expiry schedules are named per block at run time, inside the stack's own schedule group.
  ['EKS_AND_WAF_CONFIG', EKS_AND_WAF_CONFIG, 'scheduler:CreateSchedule'],
  // The log intake adds events:PutEvents (on the bus ARN) and table writes; neither may be on a wildcard.
  ['OBSERVE_CONFIG', OBSERVE_CONFIG, 'autoscaling:SetDesiredCapacity'],
  // The CPU stress runs on the group's instances, whose ids change: "*" under a condition on their group tag.
  ['GAME_DAY_CONFIG', GAME_DAY_CONFIG, 'ssm:SendCommand'],
])('IAM wildcards with %s', (_name, config, policedAction) => {
  let synthesized: SynthesizedStack;
  beforeAll(() => {
    synthesized = synthesizeTestStack(config);
  });

  function wildcardGrants() {
    const policies = synthesized.template.findResources('AWS::IAM::Policy');
    const grants: { policy: string; action: string; resource: string }[] = [];
    for (const [logicalId, policy] of Object.entries(policies)) {
      const statements = (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;
      for (const statement of statements.filter((candidate) => candidate.Effect === 'Allow')) {
        const actions = [statement.Action].flat();
        const resources = [statement.Resource].flat().map(render);
        for (const action of actions.filter((candidate) => !READ_ONLY.test(candidate))) {
          for (const resource of resources.filter((candidate) => candidate.includes('*'))) grants.push({ policy: logicalId, action, resource });
        }
      }
    }
    return grants;
  }

  it('reasons every mutating grant on a wildcard resource with an acknowledgement on its own policy', () => {
    const acknowledgements = acknowledgementsIn(synthesized.app);
    const unreasoned = wildcardGrants().filter(({ policy, action, resource }) => {
      const path = synthesized.stack.resolve(synthesized.stack.node.findAll().find((c) => synthesized.stack.getLogicalId(c as never) === policy)?.node.path);
      const onPolicy = acknowledgements.filter((ack) => path !== undefined && ack.path === String(path).replace(/\/Resource$/, ''));
      return !onPolicy.some(
        (ack) =>
          (ack.id.includes(`[Resource::${resource}]`) || ack.id.includes(`[Action::${action}]`)) &&
          ack.reason.trim().length >= 40 &&
          !VAGUE.test(ack.reason.trim()),
      );
    });
    expect(unreasoned).toEqual([]);
  });

  it('finds the wildcard grants it is meant to police, so the check above is not vacuous', () => {
    const grants = wildcardGrants();
    expect(grants.some((grant) => grant.action === policedAction)).toBe(true);
  });

  it('grants the mutating WAF, PassRole, invoke, send, put-events and table-write actions on named resources only', () => {
    const scoped = /^(wafv2:|eks:|iam:PassRole$|lambda:InvokeFunction$|sqs:SendMessage$|events:PutEvents$|dynamodb:(PutItem|UpdateItem|DeleteItem)$)/;
    expect(wildcardGrants().filter(({ action }) => scoped.test(action))).toEqual([]);
  });
});
