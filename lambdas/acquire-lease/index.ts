import * as z from 'zod';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger } from '../shared/powertools.js';
import { StateStore } from '../shared/state-store.js';

const store = new StateStore(documentClient(), requireEnv('TABLE_NAME'));

export const AcquireLeaseInputSchema = z.object({
  incident: IncidentSchema,
  leaseSeconds: z.number().int().min(1),
});

export interface LeaseGrant {
  resourceId: string;
  holder: string;
  expiresAt: string;
}

/**
 * Takes the resource's lease for this incident, or throws `LeaseHeldError` /
 * `CooldownActiveError`, which the workflow turns into a recorded skip.
 */
export const lambdaHandler = async ({ incident, leaseSeconds }: z.infer<typeof AcquireLeaseInputSchema>): Promise<LeaseGrant> => {
  const lease = await store.acquireLease(incident.resource.id, incident.incidentId, leaseSeconds, new Date());
  const grant = {
    resourceId: incident.resource.id,
    holder: incident.incidentId,
    expiresAt: new Date((lease.leaseExpiresAt ?? 0) * 1000).toISOString(),
  };
  logger.info('lease acquired', { ...grant });
  return grant;
};

export const handler = workflowHandler(AcquireLeaseInputSchema, lambdaHandler);
