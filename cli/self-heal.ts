import type { CliIo } from './cli-io.js';
import type { DiagnoseDeps } from './diagnose-command.js';
import type { ReplayDeps } from './replay-command.js';

export type { CliIo } from './cli-io.js';

/** What tests inject into the commands; each command takes its own part. */
export interface CliDeps extends DiagnoseDeps {
  readonly replay?: ReplayDeps;
}

interface Command {
  readonly name: string;
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv, deps: CliDeps) => Promise<number>;
}

/**
 * Every command, in the order `--help` lists them. Each lives in its own
 * `*-command.ts`, imported when it runs, so one command never pays for
 * another's dependencies (replay's simulated world, diagnose's client-node).
 */
const COMMANDS: readonly Command[] = [
  {
    name: 'circuit',
    summary: "show or reset a resource's circuit breaker",
    run: async (argv, io, env) => (await import('./circuit-command.js')).runCircuit(argv, io, env),
  },
  {
    name: 'diagnose',
    summary: 'K8sGPT-style analysis of one namespace, read-only',
    run: async (argv, io, _env, deps) => (await import('./diagnose-command.js')).runDiagnose(argv, io, deps),
  },
  {
    name: 'replay',
    summary: 'run an event through the pipeline in shadow mode: decide, change nothing',
    run: async (argv, io, _env, deps) => (await import('./replay-command.js')).runReplay(argv, io, deps.replay),
  },
  {
    name: 'incidents',
    summary: 'recent incidents and their outcomes, from the state table',
    run: async (argv, io, env) => (await import('./incidents-command.js')).runIncidents(argv, io, env),
  },
  {
    name: 'simulate',
    summary: 'run the scenarios locally: real ASL, real handlers, dynalite, simulated AWS',
    run: async (argv, io, env) => (await import('./simulate-command.js')).runSimulate(argv, io, env),
  },
];

const USAGE = `self-heal — operate the self-healing deployment

Usage:
  self-heal circuit show RESOURCE  --table TABLE [--json]
  self-heal circuit reset RESOURCE --table TABLE --by NAME [--json]
  self-heal diagnose [--cluster NAME | --kubeconfig FILE [--context NAME]] --namespace NS [--deployment NAME] [--json]
  self-heal replay EVENT.json [--offline [--world FILE]] [--scope FILE] [--json]
  self-heal incidents --table TABLE [--resource RESOURCE] [--limit N] [--json]
  self-heal simulate [SCENARIO…] [--reports DIR | --no-reports] [--list] [--json]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

RESOURCE is kind/name, as notifications print it (e.g. autoscaling-group/web).
TABLE is the state table's name (stack output StateTableName, or SELF_HEAL_TABLE).

Run \`self-heal COMMAND --help\` for a command's options.
Exit codes: 0 done, 1 failed, 2 bad usage, 3 a call that is not a read was refused (replay).`;

/** Runs the CLI; resolves the exit code. */
export async function main(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env, deps: CliDeps = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.err(`unknown command: ${name}\n\n${USAGE}`);
    return 2;
  }
  return command.run(rest, io, env, deps);
}
