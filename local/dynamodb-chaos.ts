import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import type { SimulatedWorld } from './simulated-world.js';
import { workflowStep } from './workflow-step.js';

type Next = (args: unknown) => Promise<unknown>;
type InitializeMiddleware = (next: Next, context: { commandName?: string }) => (args: { input: unknown }) => Promise<unknown>;
interface MiddlewareStack {
  add(middleware: InitializeMiddleware, options: { step: 'initialize'; name: string; override?: boolean }): void;
}

const CLIENTS_MODULE = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'lambdas', 'shared', 'clients.ts')).href;

function dynamoDbError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

/**
 * Puts the world's DynamoDB chaos (`WorldChaos.dynamoDb`) in front of the
 * handlers' DynamoDB client — the one the stores, the document client and
 * Powertools Idempotency share — as a middleware before the SDK's own
 * retries: a disturbed call fails as a whole, or takes effect and then fails
 * as if its response was lost. Only calls made inside a workflow step.
 * Call after the handlers are imported, so the client is theirs.
 */
export async function installDynamoDbChaos(world: SimulatedWorld): Promise<void> {
  const { dynamoDb } = (await import(CLIENTS_MODULE)) as { dynamoDb: () => { middlewareStack: MiddlewareStack } };
  dynamoDb().middlewareStack.add(
    (next, context) => async (args) => {
      if (workflowStep.getStore() === undefined) return next(args);
      const command = context.commandName ?? 'UnknownCommand';
      const disturbance = world.dynamoDbChaos(command, args.input);
      if (disturbance === 'fail') throw dynamoDbError('ProvisionedThroughputExceededException', `chaos: throttled ${command}`, 400);
      const result = await next(args);
      if (disturbance === 'lose') throw dynamoDbError('InternalServerError', `chaos: ${command} took effect but its response was lost`, 500);
      return result;
    },
    { step: 'initialize', name: 'worldDynamoDbChaos', override: true },
  );
}
