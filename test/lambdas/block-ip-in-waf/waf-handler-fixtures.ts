import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type DeleteScheduleCommandInput,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GetIPSetCommand, UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Decision } from '../../../lambdas/shared/workflow.js';
import type { WafSettings } from '../../../lambdas/shared/waf/waf-settings.js';
import { scopeWith, testWafResource } from '../../support/fixtures.js';
import { declaredIpSet, fakeWaf, type IpSetState } from '../shared/waf/fake-waf.js';

/**
 * What the WAF handler tests share: the site's declared IP set, the
 * `WAF_SETTINGS` and `RESOURCE_SCOPE` they are deployed with, a fake WAF
 * (every WAFV2Client instance, as the handler makes its own) and a fake
 * EventBridge Scheduler, both recording the calls in one sequence.
 */

export const SITE_SET = declaredIpSet({ name: 'site-blocklist', id: 'a1b2c3d4-0000-4000-8000-00000000b10c' });
export const PROTECTED = '203.0.113.0/24';

export const WAF_SETTINGS: WafSettings = {
  ipSets: [SITE_SET],
  limits: { maxPerHour: 10, maxTotal: 50 },
  schedule: {
    groupName: 'self-healing-waf-blocks',
    targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:expire-ip-block',
    roleArn: 'arn:aws:iam::123456789012:role/scheduler-invoke-expire-ip-block',
  },
};

export const WAF_SCOPE = scopeWith([testWafResource()], { protectedCidrs: [PROTECTED] });

export function blockPlan(cidr = '198.51.100.7/32', overrides: Record<string, unknown> = {}): Decision {
  const params = { ipSetName: 'site-blocklist', scope: 'REGIONAL', cidr, durationMinutes: 60, ...overrides };
  return {
    action: 'blockIpInWaf',
    params,
    target: `waf-ip-set/${String(params.scope)}/${String(params.ipSetName)}`,
    rationale: '198.51.100.7 sent 4200 requests in one minute, 61 % of all traffic',
    confidence: 0.9,
    evidence: [],
    source: 'runbook',
  };
}

/** The fakes, and the order of the WAF and Scheduler calls that change something (UpdateIPSet, CreateSchedule, DeleteSchedule). */
export function wafWorld() {
  const sets: Record<string, IpSetState> = {};
  const waf = fakeWaf(WAFV2Client as never, sets);
  const scheduler = mockClient(SchedulerClient);
  const schedules = new Map<string, CreateScheduleCommandInput>();
  const sequence: string[] = [];
  return {
    sets,
    waf,
    scheduler,
    schedules,
    sequence,
    /** Starts over: the site's set holds these addresses. */
    reset(addresses: string[] = [], state: Partial<IpSetState> = {}) {
      waf.resetHistory();
      scheduler.reset();
      schedules.clear();
      sequence.length = 0;
      for (const key of Object.keys(sets)) delete sets[key];
      sets[SITE_SET.id] = {
        addresses: [...addresses],
        addressVersion: 'IPV4',
        description: 'Blocked by the self-healing system',
        version: 1,
        ...state,
        beforeUpdate: (current, call) => {
          sequence.push('UpdateIPSet');
          state.beforeUpdate?.(current, call);
        },
      };
      scheduler.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
        sequence.push('CreateSchedule');
        schedules.set(input.Name ?? '', input);
        return { ScheduleArn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/${input.GroupName}/${input.Name}` };
      });
      scheduler.on(DeleteScheduleCommand).callsFake((input: DeleteScheduleCommandInput) => {
        sequence.push('DeleteSchedule');
        if (!schedules.delete(input.Name ?? '')) throw new ResourceNotFoundException({ message: 'no such schedule', Message: 'no such schedule', $metadata: { httpStatusCode: 404 } });
        return {};
      });
    },
    updates: () => waf.commandCalls(UpdateIPSetCommand),
    reads: () => waf.commandCalls(GetIPSetCommand),
    addresses: () => sets[SITE_SET.id]!.addresses,
  };
}
