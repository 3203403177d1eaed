import { parseArgs } from 'node:util';

/** Where a command writes: lines for a human or a pipe (`out`), and diagnostics (`err`). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** The options every command takes besides its own. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

type OptionsConfig = NonNullable<Parameters<typeof parseArgs>[0]>['options'] & object;

/** What `parseArgs` returns for a command's options, `--help` included, with positionals. */
export type ParsedCommandArgs<T extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T & typeof HELP_OPTION; allowPositionals: true }>
>;

/**
 * The prologue every command shares: parses `argv` with `options` (and
 * `-h`/`--help`). An option it does not know, or a malformed one, prints the
 * error and the usage on stderr and resolves exit code 2; `--help` prints the
 * usage and resolves 0. Otherwise it returns the parsed values and
 * positionals for the command to check.
 */
export function parseCommandArgs<T extends OptionsConfig>(argv: readonly string[], options: T, usage: string, io: CliIo): ParsedCommandArgs<T> | number {
  let parsed: ParsedCommandArgs<T>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { ...options, ...HELP_OPTION } });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  // The generic result does not resolve inside this function; every command's values carry `help`.
  if ((parsed.values as { help?: boolean }).help) {
    io.out(usage);
    return 0;
  }
  return parsed;
}
