import { type CliIo, parseCommandArgs } from './cli-io.js';
import { formatReplay } from './replay/format-replay.js';
import { ReplayInputError } from './replay/replay-input.js';
import { replay, type ReplayDeps, type ReplayReport, type ReplayRequest, ReplayUsageError } from './replay/replay.js';

export type { ReplayDeps } from './replay/replay.js';

export const REPLAY_USAGE = `self-heal replay — run one event through the pipeline in shadow mode: decide, change nothing

Usage:
  self-heal replay EVENT.json --scope FILE [--table TABLE] [--region REGION] [--model ID] [--json]
  self-heal replay EVENT.json --offline [--world FILE] [--scope FILE] [--runbooks-only] [--json]

EVENT.json is one of:
  a CloudWatch alarm state-change event, as EventBridge delivers it;
  a CloudWatch Logs subscription payload ({"awslogs":{"data":…}}) or its decoded JSON;
  a log detection event (source self-healing.logs);
  a captured incident (the state table's "incident" attribute, or an execution's input).

The intake's routing turns it into an incident (nothing is written); then
BuildContext, Decide and CheckPolicy run with the deployed handler code, and
the replay prints the context, the decision, the policy verdict check by
check, and exactly what would be done — or that it would escalate. Every AWS
and Kubernetes client is read-only: a call that is not a read is refused
before it is sent, and the replay stops with exit code 3.

Online (AWS credentials found, no --offline) it reads the real account. The
scope is the stack's RESOURCE_SCOPE, from the BuildContext function:
  FN=$(aws cloudformation describe-stack-resources --stack-name SelfHealing \\
    --query "StackResources[?ResourceType=='AWS::Lambda::Function' && contains(LogicalResourceId,'BuildContext')].PhysicalResourceId" --output text)
  aws lambda get-function-configuration --function-name "$FN" \\
    --query Environment.Variables.RESOURCE_SCOPE --output text > scope.json

Offline (--offline, or no credentials found) a simulated world answers the
read APIs (--world FILE, or EVENT.world.json next to the event), DynamoDB is
a throwaway in-process table, and the world's scripted model or the
runbooks decide. Event times move to now, so the world's data falls in the
context windows. Try: npx self-heal replay samples/cpu-alarm-asg.json --offline

Options:
  --scope FILE     the deployed scope (RESOURCE_SCOPE) as JSON; offline it overrides the world file's
  --offline        replay against the simulated world, even with credentials at hand
  --world FILE     the simulated world to replay against (implies --offline; default: EVENT.world.json)
  --table TABLE    the state table (stack output StateTableName, or SELF_HEAL_TABLE), for the resource's recent incidents
  --region REGION  the region to read online (default: the event's own region)
  --model ID       a Bedrock model or inference profile to decide with online (default: the runbooks decide)
  --runbooks-only  decide with the runbooks, even where a model is scripted
  --json           print the report as JSON
  -h, --help       show this help

Exit codes: 0 the replay ran (whatever it decided), 1 a step failed or the replay
could not run, 2 bad usage or an event it cannot read, 3 a call that is not a
read was refused.`;

/** The exit code a finished replay ends with. */
export function replayExitCode(report: ReplayReport): number {
  if (report.refused !== undefined) return 3;
  if (report.failure !== undefined) return 1;
  return 0;
}

/** `self-heal replay …`; resolves the exit code. */
export async function runReplay(argv: readonly string[], io: CliIo, deps: ReplayDeps = {}): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      scope: { type: 'string' },
      offline: { type: 'boolean', default: false },
      world: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      model: { type: 'string' },
      'runbooks-only': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    REPLAY_USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.err(`${positionals.length === 0 ? 'missing EVENT.json: the event to replay' : `one event at a time, not ${positionals.length}: ${positionals.join(' ')}`}\n\n${REPLAY_USAGE}`);
    return 2;
  }
  const request: ReplayRequest = {
    file: positionals[0]!,
    // A world stands in for the account: naming one means replaying offline.
    offline: values.offline || values.world !== undefined,
    runbooksOnly: values['runbooks-only'],
    ...(values.scope === undefined ? {} : { scopeFile: values.scope }),
    ...(values.world === undefined ? {} : { worldFile: values.world }),
    ...(values.table === undefined ? {} : { table: values.table }),
    ...(values.region === undefined ? {} : { region: values.region }),
    ...(values.model === undefined ? {} : { modelId: values.model }),
  };

  let report: ReplayReport;
  try {
    report = await replay(request, deps);
  } catch (error) {
    if (error instanceof ReplayUsageError || error instanceof ReplayInputError) {
      io.err(`replay: ${error.message}`);
      return 2;
    }
    io.err(`replay failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of formatReplay(report)) io.out(line);
  if (report.refused !== undefined) {
    io.err(`refused: ${report.refused.service} ${report.refused.operation} (in ${report.refused.step}) is not a read; nothing was sent`);
  }
  return replayExitCode(report);
}
