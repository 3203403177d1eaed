import '../../local/polyfills.js';
import { scriptedReplies, startFakeBedrock } from '../../local/fake-bedrock.js';
import { createStateTable, LOCAL_AWS_ENV, startLocalDynamoDb } from '../../local/local-dynamodb.js';
import { SimulatedWorld } from '../../local/simulated-world.js';
import type { ReplayWorld } from './replay-world.js';
import { bridgeWorldThroughMiddleware } from './world-bridge.js';

/** The throwaway state table of an offline replay. */
export const OFFLINE_TABLE_NAME = 'self-heal-replay';

/** What an offline replay runs against; `stop` takes it all down. */
export interface OfflineRuntime {
  readonly world: SimulatedWorld;
  /** The environment the handlers need to reach it: region, loopback endpoints, local credentials (undefined: unset). */
  readonly env: Record<string, string | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts everything an offline replay reads from, in this process: the
 * simulated world (each EKS cluster's fake API server included) answering
 * the AWS read APIs behind the clients' middleware, an empty dynalite for
 * the state table, and the scripted model if the world has one. Credentials
 * are local ones, so nothing could reach AWS even by mistake.
 */
export async function startOfflineRuntime(fixture: ReplayWorld, runbooksOnly: boolean): Promise<OfflineRuntime> {
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step();
  };
  try {
    const db = await startLocalDynamoDb();
    stops.push(() => db.stop());
    await createStateTable(db.endpoint, OFFLINE_TABLE_NAME);

    const world = new SimulatedWorld(fixture.world);
    await world.start();
    stops.push(() => world.stop());
    world.install(() => {
      throw new Error('a replay starts no execution');
    });
    stops.push(() => world.uninstall());
    stops.push(bridgeWorldThroughMiddleware());

    const model = fixture.model === undefined || runbooksOnly ? undefined : await startFakeBedrock(scriptedReplies(...fixture.model.replies));
    if (model !== undefined) stops.push(() => model.stop());

    return {
      world,
      env: {
        ...LOCAL_AWS_ENV,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_REGION: world.region,
        AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
        TABLE_NAME: OFFLINE_TABLE_NAME,
        BEDROCK_MODEL_ID: model === undefined ? '' : (fixture.model?.modelId ?? ''),
        BEDROCK_ENDPOINT: model?.endpoint ?? '',
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
