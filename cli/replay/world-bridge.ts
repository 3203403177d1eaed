import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EKSClient } from '@aws-sdk/client-eks';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { hasReadOnlyGuard, type HasMiddlewareStack, readOnly } from '../../lambdas/shared/read-only-clients.js';

/**
 * Puts the simulated world behind the clients' middleware, so that in an
 * offline replay the read-only guard sees every call the world answers.
 *
 * `SimulatedWorld.install` answers the SDK by stubbing each client class's
 * `send` (aws-sdk-client-mock), which skips the client's middleware stack,
 * and with it the guard. This bridge replaces each stub with the SDK's own
 * `send`, and hands the stub to a last middleware of the `initialize` step
 * that answers instead of the network: the guard (first in the step)
 * runs before it. A client without the guard (one not made by
 * `lambdas/shared/clients.ts`) gets it on the command, so no call reaches
 * the world unguarded.
 */

/** Every client class the simulated world answers. */
const WORLD_CLIENT_CLASSES = [
  AutoScalingClient,
  CloudTrailClient,
  CloudWatchClient,
  CloudWatchLogsClient,
  EKSClient,
  KMSClient,
  SchedulerClient,
  SFNClient,
  SNSClient,
  WAFV2Client,
] as const;

const WORLD_ANSWER = 'simulatedWorldAnswer';

type Send = (this: HasMiddlewareStack, command: unknown, ...rest: unknown[]) => Promise<unknown>;
interface CommandLike extends HasMiddlewareStack {
  readonly middlewareStack: HasMiddlewareStack['middlewareStack'] & {
    add(middleware: never, options: { step: 'initialize'; name: string; priority: 'low' }): void;
  };
}

/** The middleware that answers from the world: it never calls `next`, so nothing is serialised or sent. */
function answerFromWorld(worldSend: Send, client: HasMiddlewareStack, command: unknown) {
  return () => async () => {
    const output = (await worldSend.call(client, command)) as Record<string, unknown> | undefined;
    return { output: { $metadata: { httpStatusCode: 200 }, ...output } };
  };
}

/** Routes the installed world's answers through the clients' middleware; returns the function that undoes it. */
export function bridgeWorldThroughMiddleware(): () => void {
  const undo: (() => void)[] = [];
  for (const ClientClass of WORLD_CLIENT_CLASSES) {
    const prototype = ClientClass.prototype as unknown as { send: Send };
    if (!Object.prototype.hasOwnProperty.call(prototype, 'send')) {
      throw new Error(`${ClientClass.name} is not answered by a simulated world: install the world before bridging it`);
    }
    const worldSend = prototype.send;
    // The SDK's own send (smithy's Client#send), which resolves the middleware stack.
    const sdkSend = (Object.getPrototypeOf(prototype) as { send: Send }).send;
    prototype.send = function bridgedSend(this: HasMiddlewareStack, command: unknown, ...rest: unknown[]) {
      const bridged = command as CommandLike;
      if (!hasReadOnlyGuard(this)) readOnly(bridged);
      if (!bridged.middlewareStack.identify().some((entry) => entry.startsWith(`${WORLD_ANSWER} `))) {
        bridged.middlewareStack.add(answerFromWorld(worldSend, this, command) as never, { step: 'initialize', name: WORLD_ANSWER, priority: 'low' });
      }
      return sdkSend.call(this, command, ...rest);
    };
    undo.push(() => {
      prototype.send = worldSend;
    });
  }
  return () => {
    for (const step of undo.reverse()) step();
  };
}
