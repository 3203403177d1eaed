import * as z from 'zod';
import { describeAlarm } from '../shared/alarms.js';
import { describeAutoScalingGroup } from '../shared/autoscaling.js';
import { autoScaling, cloudWatch } from '../shared/clients.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger } from '../shared/powertools.js';
import { ScaleOutResultSchema, type Verification } from '../shared/workflow.js';
import { judgeRecovery } from './judge-recovery.js';

export const VerifyRecoveryInputSchema = z.object({ incident: IncidentSchema, action: ScaleOutResultSchema });

/** Reads the alarm and the group after the action and judges whether the incident is over. */
export const lambdaHandler = async ({ incident, action }: z.infer<typeof VerifyRecoveryInputSchema>): Promise<Verification> => {
  const [alarm, group] = await Promise.all([
    describeAlarm(cloudWatch(), incident.signal.alarmName),
    describeAutoScalingGroup(autoScaling(), action.autoScalingGroupName),
  ]);
  const verification = judgeRecovery(alarm, group, action, new Date());
  logger.info('verification', { ...verification });
  return verification;
};

export const handler = workflowHandler(VerifyRecoveryInputSchema, lambdaHandler);
