import { type Activity, type AutoScalingClient, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { type CloudTrailClient, type Event as CloudTrailEvent, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { callAws } from '../shared/aws-errors.js';
import type { ResourceScope } from '../shared/scope.js';
import type { Change } from '../shared/workflow.js';
import type { TimeWindow } from './context-window.js';

/** Longest change summary kept. */
export const MAX_CHANGE_SUMMARY_CHARS = 300;

/** What a change reader is asked for. */
export interface ChangeRequest {
  readonly resource: ResourceScope;
  readonly window: TimeWindow;
  /** Most changes worth returning. */
  readonly max: number;
}

/**
 * One source of recent changes to a resource. Each reader is its own part
 * of the context (its own time budget, its own gap), so adding a source —
 * EKS deployment revisions, say — means adding a reader to `changeReadersFor`.
 */
export interface ChangeReader {
  /** Names the source in `Change.source` and in gaps (`changes <source>: …`). */
  readonly source: string;
  read(request: ChangeRequest, abortSignal?: AbortSignal): Promise<Change[]>;
}

/**
 * CloudTrail events that change how an Auto Scaling group runs: deploys
 * (launch template versions, instance refreshes), capacity and scaling
 * policy edits, suspended processes.
 */
export const ASG_CHANGE_EVENT_NAMES: readonly string[] = [
  'UpdateAutoScalingGroup',
  'SetDesiredCapacity',
  'StartInstanceRefresh',
  'CancelInstanceRefresh',
  'RollbackInstanceRefresh',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'PutScalingPolicy',
  'DeletePolicy',
  'PutScheduledUpdateGroupAction',
  'PutLifecycleHook',
  'SuspendProcesses',
  'ResumeProcesses',
  'AttachLoadBalancerTargetGroups',
  'DetachLoadBalancerTargetGroups',
  'AttachTrafficSources',
  'DetachTrafficSources',
  'TerminateInstanceInAutoScalingGroup',
  'SetInstanceProtection',
];

function clip(text: string, max = MAX_CHANGE_SUMMARY_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

const within = (at: Date, window: TimeWindow) => at.getTime() >= window.start.getTime() && at.getTime() <= window.end.getTime();

/** All changes from every reader, newest first, at most `max`. */
export function mergeChanges(lists: readonly (readonly Change[])[], max: number): Change[] {
  return lists
    .flat()
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, max);
}

/** Scaling activities as changes: status, description, cause and, when it failed, why. */
export function toScalingActivityChanges(activities: readonly Activity[], window: TimeWindow, max: number): Change[] {
  const changes = activities
    .filter((activity) => activity.StartTime !== undefined && within(activity.StartTime, window))
    .map((activity) => {
      const parts = [`[${activity.StatusCode ?? 'Unknown'}] ${activity.Description ?? 'scaling activity'}`];
      if (activity.StatusMessage) parts.push(`Status: ${activity.StatusMessage}`);
      if (activity.Cause) parts.push(`Cause: ${activity.Cause}`);
      return {
        at: activity.StartTime!.toISOString(),
        source: 'autoscaling',
        event: 'ScalingActivity',
        summary: clip(parts.join('. ')),
      };
    });
  return mergeChanges([changes], max);
}

interface CloudTrailRecord {
  userIdentity?: { arn?: string; type?: string; invokedBy?: string };
  requestParameters?: unknown;
  errorCode?: string;
}

function parseRecord(json: string | undefined): CloudTrailRecord {
  if (json === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null ? (parsed as CloudTrailRecord) : {};
  } catch {
    return {};
  }
}

/** CloudTrail's write events of the given names as changes: who called what, with which parameters. */
export function toCloudTrailChanges(
  events: readonly CloudTrailEvent[],
  window: TimeWindow,
  eventNames: readonly string[],
  max: number,
): Change[] {
  const names = new Set(eventNames);
  const changes = events
    .filter(
      (event) =>
        event.EventTime !== undefined &&
        event.EventName !== undefined &&
        names.has(event.EventName) &&
        event.ReadOnly !== 'true' &&
        within(event.EventTime, window),
    )
    .map((event): Change => {
      const record = parseRecord(event.CloudTrailEvent);
      const actor = event.Username ?? record.userIdentity?.arn ?? record.userIdentity?.invokedBy;
      const params =
        record.requestParameters === undefined || record.requestParameters === null ? '' : ` ${JSON.stringify(record.requestParameters)}`;
      const failed = record.errorCode === undefined ? '' : ` (failed: ${record.errorCode})`;
      return {
        at: event.EventTime!.toISOString(),
        source: 'cloudtrail',
        event: event.EventName!,
        ...(actor === undefined ? {} : { actor: actor.slice(0, 200) }),
        summary: clip(`${event.EventSource ?? ''} ${event.EventName}${failed}${params}`),
      };
    });
  return mergeChanges([changes], max);
}

/** The group's scaling activities: launches, terminations, failed launches, capacity changes. */
export function autoScalingActivityReader(client: AutoScalingClient): ChangeReader {
  return {
    source: 'autoscaling',
    async read({ resource, window, max }, abortSignal) {
      if (max === 0) return [];
      const result = await callAws('DescribeScalingActivities', () =>
        client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: resource.name, MaxRecords: Math.min(100, max) }), {
          abortSignal,
        }),
      );
      return toScalingActivityChanges(result.Activities ?? [], window, max);
    },
  };
}

/**
 * Deploy-like CloudTrail events on the resource (looked up by resource
 * name; CloudTrail allows one lookup attribute, so the names are filtered
 * here). LookupEvents allows two calls a second per account: one call, one page.
 */
export function cloudTrailReader(client: CloudTrailClient, eventNames: readonly string[] = ASG_CHANGE_EVENT_NAMES): ChangeReader {
  return {
    source: 'cloudtrail',
    async read({ resource, window, max }, abortSignal) {
      if (max === 0) return [];
      const result = await callAws('LookupEvents', () =>
        client.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: resource.name }],
            StartTime: window.start,
            EndTime: window.end,
            MaxResults: 50,
          }),
          { abortSignal },
        ),
      );
      return toCloudTrailChanges(result.Events ?? [], window, eventNames, max);
    },
  };
}

export interface ChangeClients {
  readonly autoScaling: () => AutoScalingClient;
  readonly cloudTrail: () => CloudTrailClient;
}

/**
 * The change readers for a kind of resource. The extension point for new
 * kinds: an EKS deployment would add a reader of its rollout revisions.
 */
export function changeReadersFor(resource: ResourceScope, clients: ChangeClients): ChangeReader[] {
  switch (resource.kind) {
    case 'autoscaling-group':
      return [autoScalingActivityReader(clients.autoScaling()), cloudTrailReader(clients.cloudTrail())];
    case 'eks-deployment':
    case 'waf-web-acl':
    case 'rds-postgres':
      return [cloudTrailReader(clients.cloudTrail())];
  }
}
