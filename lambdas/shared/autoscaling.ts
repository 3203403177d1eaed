import { type AutoScalingClient, type AutoScalingGroup, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { callAws } from './aws-errors.js';
import { TargetNotFoundError } from './errors.js';
import type { AutoScalingGroupState } from './workflow.js';

/** The parts of an Auto Scaling group that a remediation reads. */
export function toAutoScalingGroupState(group: AutoScalingGroup): AutoScalingGroupState {
  return {
    name: group.AutoScalingGroupName ?? '',
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    desiredCapacity: group.DesiredCapacity ?? 0,
    inServiceInstances: (group.Instances ?? []).filter((instance) => instance.LifecycleState === 'InService').length,
  };
}

/** Reads one group's live state; a group that does not exist is `TargetNotFoundError`. */
export async function describeAutoScalingGroup(client: AutoScalingClient, name: string): Promise<AutoScalingGroupState> {
  const result = await callAws('DescribeAutoScalingGroups', () =>
    client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
  );
  const group = result.AutoScalingGroups?.find((candidate) => candidate.AutoScalingGroupName === name);
  if (group === undefined) throw new TargetNotFoundError(`Auto Scaling group ${name} does not exist`);
  return toAutoScalingGroupState(group);
}
