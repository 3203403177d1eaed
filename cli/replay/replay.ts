import { readFileSync } from 'node:fs';
import { runbooksJson } from '../../lib/runbook-files.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import { parseScope, type Scope } from '../../lambdas/shared/scope.js';
import { enableShadowMode, type GuardedCall, onGuardedCall } from '../../lambdas/shared/shadow-mode.js';
import type { Decision, IncidentContext, PolicyVerdict } from '../../lambdas/shared/workflow.js';
import { hasAwsCredentials } from './aws-credentials.js';
import { type DetectionRoute, routeReplayInput } from './intake-route.js';
import type { OfflineRuntime } from './offline-runtime.js';
import { type PlannedOutcome, plannedOutcome } from './planned-calls.js';
import { applyEnv } from './process-env.js';
import { describeReplayInput, parseReplayInput, type ReplayInputKind } from './replay-input.js';
import { findWorldFile, loadReplayWorld, type ReplayWorld, sidecarWorldPath } from './replay-world.js';
import { describeShift, retimeIncident } from './retime-incident.js';
import { loadPipelineSteps, type PipelineSteps, ReplayRefusedError, runPipeline, type StepName } from './run-pipeline.js';

/**
 * `self-heal replay`: one event through the intake's routing and the
 * workflow's first three states, in shadow mode. Online it reads the real
 * account through read-only clients; offline it reads a simulated world.
 * It returns a report; it changes nothing anywhere.
 */

export interface ReplayRequest {
  readonly file: string;
  /** The deployed scope (`RESOURCE_SCOPE`) as a JSON file; offline, the world file's scope stands in. */
  readonly scopeFile?: string;
  /** The world to replay against offline; the sample's `x.world.json` by default. */
  readonly worldFile?: string;
  /** Replay against the simulated world even when credentials are at hand. */
  readonly offline: boolean;
  /** The state table, for the resource's recent incidents (online). */
  readonly table?: string;
  readonly region?: string;
  /** A Bedrock model or inference profile to decide with (online); without it the runbooks decide. */
  readonly modelId?: string;
  /** Decide with the runbooks even when a model is configured or scripted. */
  readonly runbooksOnly: boolean;
}

export interface ReplayDeps {
  /** @default the default AWS credential chain */
  readonly hasCredentials?: () => Promise<boolean>;
  /** @default the deployed handlers */
  readonly loadSteps?: () => Promise<PipelineSteps>;
  /** Called with the offline runtime once it runs, before the pipeline (tests look at the world). */
  readonly onOfflineRuntime?: (runtime: OfflineRuntime) => void;
  readonly now?: () => Date;
}

/** A call the guards let through, and how many times. */
export interface CallCount {
  readonly service: string;
  readonly operation: string;
  readonly count: number;
}

export interface ReplayReport {
  readonly file: string;
  readonly input: { readonly kind: ReplayInputKind; readonly summary: string };
  readonly mode: 'offline' | 'online';
  readonly worldFile?: string;
  readonly notes: string[];
  readonly intake:
    | { readonly status: 'ignored'; readonly reason: string; readonly detections: readonly DetectionRoute[] }
    | { readonly status: 'incident'; readonly incidentId: string; readonly resourceId: string; readonly executionName: string; readonly detections: readonly DetectionRoute[] };
  readonly incident?: Incident;
  readonly context?: IncidentContext;
  readonly decision?: Decision;
  readonly policy?: PolicyVerdict;
  readonly wouldDo?: PlannedOutcome;
  /** The step that failed; the workflow would escalate. */
  readonly failure?: { readonly step: StepName; readonly error: string; readonly message: string };
  /** The call a guard refused; the replay stopped there. */
  readonly refused?: { readonly step: StepName; readonly service: string; readonly operation: string };
  /** Every call that reached a client, all reads. */
  readonly calls: readonly CallCount[];
}

/** The replay cannot start: a file is missing or wrong, a required option is absent. */
export class ReplayUsageError extends Error {
  override readonly name = 'ReplayUsageError';
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ReplayUsageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function loadScope(file: string | undefined, world: ReplayWorld | undefined, worldFile: string | undefined): Scope {
  try {
    if (file !== undefined) return parseScope(readText(file, 'the scope file'), file);
    if (world?.scope !== undefined) return parseScope(JSON.stringify(world.scope), `the scope of ${worldFile}`);
  } catch (error) {
    if (error instanceof ReplayUsageError) throw error;
    throw new ReplayUsageError((error as Error).message);
  }
  throw new ReplayUsageError(
    world === undefined
      ? 'an online replay needs --scope FILE: the deployed RESOURCE_SCOPE (see `self-heal replay --help`)'
      : `neither --scope FILE nor ${worldFile} gives a scope to judge the event by`,
  );
}

function countCalls(calls: readonly GuardedCall[]): CallCount[] {
  const counts = new Map<string, CallCount>();
  for (const call of calls) {
    if (!call.allowed) continue;
    const key = `${call.service} ${call.operation}`;
    const seen = counts.get(key);
    counts.set(key, { service: call.service, operation: call.operation, count: (seen?.count ?? 0) + 1 });
  }
  return [...counts.values()];
}

/** The handlers' settings that do not depend on where the replay reads from. */
function handlerEnv(scope: Scope): Record<string, string> {
  return {
    RESOURCE_SCOPE: JSON.stringify(scope),
    RUNBOOKS_JSON: runbooksJson(),
    POWERTOOLS_SERVICE_NAME: 'self-heal-replay',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_IDEMPOTENCY_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export async function replay(request: ReplayRequest, deps: ReplayDeps = {}): Promise<ReplayReport> {
  const now = deps.now?.() ?? new Date();
  const input = parseReplayInput(readText(request.file, 'the event file'), request.file);
  const notes: string[] = [];

  let offline = request.offline;
  if (!offline && !(await (deps.hasCredentials ?? hasAwsCredentials)())) {
    offline = true;
    notes.push('no AWS credentials found: replaying offline, against the simulated world');
  }
  const worldFile = offline ? findWorldFile(request.file, request.worldFile) : undefined;
  if (offline && worldFile === undefined) {
    throw new ReplayUsageError(`an offline replay needs a world: --world FILE, or ${sidecarWorldPath(request.file)} next to the event`);
  }
  let world: ReplayWorld | undefined;
  try {
    world = worldFile === undefined ? undefined : loadReplayWorld(worldFile);
  } catch (error) {
    throw new ReplayUsageError((error as Error).message);
  }
  const scope = loadScope(request.scopeFile, world, worldFile);
  // The region a log payload's detections carry (a payload names none); an alarm event or an incident names its own.
  const region = world?.world.region ?? request.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

  const route = routeReplayInput(input, scope, { region, now });
  const base = {
    file: request.file,
    input: { kind: input.kind, summary: describeReplayInput(input) },
    mode: offline ? ('offline' as const) : ('online' as const),
    ...(worldFile === undefined ? {} : { worldFile }),
    notes,
  };
  if (input.kind === 'log-payload') notes.push('log lines mined with a fresh template state: every error-like template counts as new');
  if (route.status === 'ignored') return { ...base, intake: route, calls: [] };

  let incident = route.incident;
  if (offline) {
    const retimed = retimeIncident(incident, now);
    incident = retimed.incident;
    if (retimed.shiftMs !== 0) notes.push(`times moved ${describeShift(retimed.shiftMs)}, so the simulated world's data falls in the context windows`);
  }
  const intake = { status: 'incident' as const, incidentId: incident.incidentId, resourceId: incident.resource.id, executionName: route.executionName, detections: route.detections };

  const calls: GuardedCall[] = [];
  const stopListening = onGuardedCall((call) => calls.push(call));
  let runtime: OfflineRuntime | undefined;
  let restoreEnv = () => undefined as void;
  let disableShadowMode = () => undefined as void;
  try {
    let placeEnv: Record<string, string | undefined>;
    if (world !== undefined) {
      // Imported only offline: the simulated world, dynalite and the fake model are not needed online.
      const { startOfflineRuntime } = await import('./offline-runtime.js');
      runtime = await startOfflineRuntime(world, request.runbooksOnly);
      deps.onOfflineRuntime?.(runtime);
      placeEnv = runtime.env;
      if (world.model !== undefined && !request.runbooksOnly) notes.push(`the model is the world's scripted one, behind a local Converse endpoint (--runbooks-only to decide without it)`);
    } else {
      const table = request.table ?? process.env.SELF_HEAL_TABLE;
      if (table === undefined) notes.push('no --table: the resource\'s recent incidents are not read');
      const modelId = request.runbooksOnly ? undefined : request.modelId;
      notes.push(modelId === undefined ? 'no --model: the runbooks decide' : `Bedrock model ${modelId} decides (Converse only reads a model)`);
      placeEnv = { AWS_REGION: request.region ?? incident.region, TABLE_NAME: table ?? 'self-heal-replay-no-table', BEDROCK_MODEL_ID: modelId ?? '', BEDROCK_ENDPOINT: undefined };
    }
    // Shadow mode first, then the environment, then the handlers: every client they make is read-only.
    disableShadowMode = enableShadowMode();
    restoreEnv = applyEnv({ ...handlerEnv(scope), ...placeEnv });
    const steps = await (deps.loadSteps ?? loadPipelineSteps)();
    const result = await runPipeline(incident, steps, () => calls.find((call) => !call.allowed));
    const { context, decision, verdict: policy, failure } = result;
    const wouldDo =
      context !== undefined && decision !== undefined && policy !== undefined ? plannedOutcome(incident, context, decision, policy) : undefined;
    return {
      ...base,
      intake,
      incident,
      ...(context === undefined ? {} : { context }),
      ...(decision === undefined ? {} : { decision }),
      ...(policy === undefined ? {} : { policy }),
      ...(wouldDo === undefined ? {} : { wouldDo }),
      ...(failure === undefined ? {} : { failure }),
      calls: countCalls(calls),
    };
  } catch (error) {
    if (!(error instanceof ReplayRefusedError)) throw error;
    return { ...base, intake, incident, refused: { step: error.step, ...error.call }, calls: countCalls(calls) };
  } finally {
    stopListening();
    disableShadowMode();
    restoreEnv();
    await runtime?.stop();
  }
}
