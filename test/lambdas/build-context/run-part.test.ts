import { describe, expect, it } from 'vitest';
import { ContextPartTimeoutError, Deadline, gapOf, MAX_GAP_CHARS, runPart, withTimeout } from '../../../lambdas/build-context/run-part.js';

const never = () => new Promise<never>(() => undefined);

describe('runPart', () => {
  it('returns the value of a part that answers in time', async () => {
    // Act & Assess
    expect(await runPart('alarm', 1_000, async () => 42)).toEqual({ ok: true, value: 42 });
  });

  it('turns a failure into a gap that names the part, the error and its message', async () => {
    // Prepare
    const heard: string[] = [];
    const failure = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    // Act
    const part = await runPart(
      'metrics',
      1_000,
      async () => {
        throw failure;
      },
      (what, gap) => heard.push(`${what} | ${gap}`),
    );

    // Assess
    expect(part).toEqual({ ok: false, gap: 'metrics: ThrottlingException: Rate exceeded' });
    expect(heard).toEqual(['metrics | metrics: ThrottlingException: Rate exceeded']);
  });

  it('turns a synchronous throw into a gap', async () => {
    // Act & Assess
    expect(
      await runPart('logs /app', 1_000, () => {
        throw new TypeError('boom');
      }),
    ).toEqual({ ok: false, gap: 'logs /app: TypeError: boom' });
  });

  it('gives up on a part that does not answer, with a timeout gap, and aborts its signal', async () => {
    // Prepare
    let seen: AbortSignal | undefined;
    const started = Date.now();

    // Act
    const part = await runPart('changes cloudtrail', 50, (signal) => {
      seen = signal;
      return never();
    });

    // Assess
    expect(part).toEqual({ ok: false, gap: 'changes cloudtrail: timed out after 50 ms' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(ContextPartTimeoutError);
  });

  it('reports a call that rejects because it was aborted as the timeout', async () => {
    // Act
    const part = await runPart('alarmHistory', 20, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('Request aborted')))));

    // Assess
    expect(part).toEqual({ ok: false, gap: 'alarmHistory: timed out after 20 ms' });
  });
});

describe('withTimeout', () => {
  it('rejects with ContextPartTimeoutError at the deadline', async () => {
    // Act & Assess
    await expect(withTimeout(10, never)).rejects.toBeInstanceOf(ContextPartTimeoutError);
  });

  it('times out at once with no time left', async () => {
    // Act & Assess
    await expect(withTimeout(0, never)).rejects.toThrow('timed out after 0 ms');
  });
});

describe('gapOf', () => {
  it('caps a long message', () => {
    // Act
    const gap = gapOf('logs /app', new Error('x'.repeat(1_000)));

    // Assess
    expect(gap.length).toBe(MAX_GAP_CHARS);
    expect(gap.endsWith('…')).toBe(true);
  });

  it('names a thrown non-error', () => {
    // Act & Assess
    expect(gapOf('history', 'nope')).toBe('history: Error: nope');
  });
});

describe('Deadline', () => {
  it("gives each part its own budget, or what is left of the total when that is less", () => {
    // Prepare
    let now = 1_000;
    const deadline = new Deadline(8_000, () => now);

    // Act & Assess
    expect(deadline.forPart(4_000)).toBe(4_000);
    now += 6_000;
    expect(deadline.forPart(4_000)).toBe(2_000);
    expect(deadline.remaining()).toBe(2_000);
    now += 5_000;
    expect(deadline.forPart(4_000)).toBe(0);
    expect(deadline.remaining()).toBe(0);
  });
});
