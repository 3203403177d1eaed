/** Where a command writes: lines for a human or a pipe (`out`), and diagnostics (`err`). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}
