import { isShadowMode, MutatingCallRefusedError, reportGuardedCall } from './shadow-mode.js';

/**
 * A read-only guard for AWS SDK v3 clients: a middleware at the very start
 * of the `initialize` step that lets a command through only when its
 * operation is a read, and otherwise throws `MutatingCallRefusedError`
 * before anything is serialised, signed or sent.
 *
 * The rule is an allow-list, so an operation nobody thought about is
 * refused: reads are named Describe…, Get…, List…, Query, Scan, BatchGet…,
 * TransactGetItems, LookupEvents (CloudTrail), FilterLogEvents (Logs), and
 * Bedrock's model inference (Converse, InvokeModel), which reads a model
 * and changes nothing. Some harmless operations are refused with the rest
 * (KMS Verify, SFN TestState, …): shadow mode needs none of them.
 */

/** Operation name prefixes that only read. */
export const READ_ONLY_PREFIXES = ['Describe', 'Get', 'List', 'BatchGet', 'Lookup', 'Filter'] as const;

/** Whole operation names that only read. */
export const READ_ONLY_OPERATIONS = [
  // DynamoDB (and the document client, whose commands send these).
  'Query',
  'Scan',
  'TransactGetItems',
  // Bedrock Runtime: inference reads a model; nothing is stored.
  'Converse',
  'ConverseStream',
  'InvokeModel',
  'InvokeModelWithResponseStream',
] as const;

/** The guard's name in a client's middleware stack. */
export const READ_ONLY_GUARD_NAME = 'selfHealReadOnlyGuard';

/** Whether an operation (`DescribeAlarms`, or the command's class name `DescribeAlarmsCommand`) only reads. */
export function isReadOnlyOperation(operationOrCommand: string): boolean {
  const operation = operationOrCommand.replace(/Command$/, '');
  if ((READ_ONLY_OPERATIONS as readonly string[]).includes(operation)) return true;
  // The prefix must end a word: `Getaway` is not a Get, `GetItem` is.
  return READ_ONLY_PREFIXES.some((prefix) => operation.startsWith(prefix) && /^[A-Z]/.test(operation.slice(prefix.length)));
}

/** What the middleware reads from the handler context the SDK passes it. */
interface GuardContext {
  clientName?: string;
  commandName?: string;
  __smithy_context?: { operation?: string };
}

type Next = (args: unknown) => Promise<unknown>;

/** The service as people name it: `AutoScalingClient` → `AutoScaling`. */
function serviceOf(context: GuardContext): string {
  return (context.clientName ?? 'UnknownClient').replace(/Client$/, '');
}

/** The operation the command calls: `SetDesiredCapacityCommand` → `SetDesiredCapacity`. */
function operationOf(context: GuardContext): string {
  const name = context.commandName ?? context.__smithy_context?.operation ?? '';
  return name.replace(/Command$/, '');
}

/**
 * The guard middleware. An operation it cannot name is refused too: a
 * guard that waves through what it does not recognise guards nothing.
 */
export function readOnlyGuardMiddleware() {
  return (next: Next, context: GuardContext) =>
    async (args: unknown): Promise<unknown> => {
      const service = serviceOf(context);
      const operation = operationOf(context);
      const allowed = operation !== '' && isReadOnlyOperation(operation);
      reportGuardedCall({ service, operation: operation || '(unnamed command)', allowed });
      if (!allowed) throw new MutatingCallRefusedError(service, operation || '(unnamed command)');
      return next(args);
    };
}

interface GuardOptions {
  step: 'initialize';
  name: string;
  priority: 'high';
  tags: string[];
}

/** The options the guard is added with: first of all, before any other middleware of the client. */
export const READ_ONLY_GUARD_OPTIONS: GuardOptions = { step: 'initialize', name: READ_ONLY_GUARD_NAME, priority: 'high', tags: ['READ_ONLY'] };

/** A client (or a command: both have a middleware stack). */
export interface HasMiddlewareStack {
  readonly middlewareStack: {
    add(middleware: never, options: GuardOptions): void;
    identify(): string[];
  };
}

/** Whether the stack holds the guard already. */
export function hasReadOnlyGuard(target: HasMiddlewareStack): boolean {
  return target.middlewareStack.identify().some((entry) => entry.startsWith(`${READ_ONLY_GUARD_NAME} `));
}

/**
 * Adds the guard to a client's middleware stack (once: a document client
 * shares its base client's stack) and returns the client, so it reads as a
 * wrapper: `readOnly(new WAFV2Client({}))`.
 */
export function readOnly<T extends HasMiddlewareStack>(client: T): T {
  if (!hasReadOnlyGuard(client)) client.middlewareStack.add(readOnlyGuardMiddleware() as never, READ_ONLY_GUARD_OPTIONS);
  return client;
}

/** The client, read-only when shadow mode is on (see `shadow-mode.ts`); as it is otherwise. */
export function guardInShadowMode<T extends HasMiddlewareStack>(client: T): T {
  return isShadowMode() ? readOnly(client) : client;
}
