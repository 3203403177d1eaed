import { clip } from '../shared/clip.js';

/** A part of the context: its value, or why it is missing. */
export type Part<T> = { ok: true; value: T } | { ok: false; gap: string };

/** Longest gap message kept, so a verbose error cannot crowd out the context. */
export const MAX_GAP_CHARS = 300;

/** The part gave no answer within its time; whatever it started is aborted. */
export class ContextPartTimeoutError extends Error {
  override readonly name = 'ContextPartTimeoutError';
}

/** The gap that names a part and why it is missing. */
export function gapOf(what: string, error: unknown): string {
  if (error instanceof ContextPartTimeoutError) return clip(`${what}: ${error.message}`, MAX_GAP_CHARS);
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return clip(`${what}: ${name}: ${message}`, MAX_GAP_CHARS);
}

/**
 * Runs `read` with at most `timeoutMs`. The signal it gets aborts at the
 * deadline (pass it to `client.send(command, { abortSignal })`), and the
 * part does not wait for a call that ignores it: it settles at the deadline
 * either way.
 */
export async function withTimeout<T>(timeoutMs: number, read: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new ContextPartTimeoutError(`timed out after ${Math.max(0, Math.round(timeoutMs))} ms`);
        reject(error);
        controller.abort(error);
      },
      Math.max(0, timeoutMs),
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(() => read(controller.signal)), deadline]);
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one optional part of the context under its time budget. It never
 * rejects: a failure, a throttle or a timeout becomes a gap that names the
 * part and the reason, and `onGap` hears about it (for the logs).
 */
export async function runPart<T>(
  what: string,
  timeoutMs: number,
  read: (signal: AbortSignal) => Promise<T>,
  onGap: (what: string, gap: string) => void = () => undefined,
): Promise<Part<T>> {
  try {
    return { ok: true, value: await withTimeout(timeoutMs, read) };
  } catch (error) {
    const gap = gapOf(what, error);
    onGap(what, gap);
    return { ok: false, gap };
  }
}

/** A clock for one gathering: how much of the total time is left. */
export class Deadline {
  private readonly endsAt: number;

  constructor(
    totalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + totalMs;
  }

  /** The time a part may take: its own budget, or what is left of the total if less. */
  forPart(partMs: number): number {
    return Math.max(0, Math.min(partMs, this.endsAt - this.now()));
  }

  remaining(): number {
    return Math.max(0, this.endsAt - this.now());
  }
}
