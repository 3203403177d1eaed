import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The workflow state whose handler is running, for code that must tell a
 * workflow step's AWS calls from the rest (the intake, the scenario's own
 * reads): the simulated world disturbs DynamoDB only inside workflow steps.
 */
export const workflowStep = new AsyncLocalStorage<string>();
