import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type {
  GenerateMacCommandInput,
  GenerateMacCommandOutput,
  VerifyMacCommandInput,
  VerifyMacCommandOutput,
} from '@aws-sdk/client-kms';
import type { SendTaskFailureCommandInput, SendTaskSuccessCommandInput } from '@aws-sdk/client-sfn';

/**
 * The two AWS services the approval path needs beyond the simulated world's
 * basics: a KMS HMAC key, and Step Functions' callback tasks
 * (`.waitForTaskToken` with SendTaskSuccess / SendTaskFailure). The world
 * answers the SDK calls with these; the local workflow registers the tasks.
 */

type SdkOutput<T> = Omit<T, '$metadata'>;

function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

const HMAC_ALGORITHMS = { HMAC_SHA_224: 'sha224', HMAC_SHA_256: 'sha256', HMAC_SHA_384: 'sha384', HMAC_SHA_512: 'sha512' } as const;

/**
 * One KMS key of spec HMAC_256 with a random secret per world: GenerateMac
 * and VerifyMac compute a real HMAC. Like KMS, a MAC that does not match is
 * answered with `KMSInvalidMacException` (a successful VerifyMac always has
 * `MacValid: true`), and an unknown key with `NotFoundException`.
 */
export class SimulatedHmacKey {
  readonly keyArn: string;
  private readonly secret = randomBytes(32);

  constructor(region: string, account: string) {
    this.keyArn = `arn:aws:kms:${region}:${account}:key/${randomUUID()}`;
  }

  generateMac(input: GenerateMacCommandInput): SdkOutput<GenerateMacCommandOutput> {
    const mac = this.mac(input.KeyId, input.MacAlgorithm, input.Message);
    return { KeyId: this.keyArn, MacAlgorithm: input.MacAlgorithm, Mac: new Uint8Array(mac) };
  }

  verifyMac(input: VerifyMacCommandInput): SdkOutput<VerifyMacCommandOutput> {
    const expected = this.mac(input.KeyId, input.MacAlgorithm, input.Message);
    const given = Buffer.from(input.Mac ?? new Uint8Array());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw awsError('KMSInvalidMacException', 'The MAC does not match the message, key and algorithm');
    }
    return { KeyId: this.keyArn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
  }

  private mac(keyId: string | undefined, algorithm: string | undefined, message: Uint8Array | undefined): Buffer {
    if (keyId !== this.keyArn && keyId !== this.keyArn.split('/')[1]) throw awsError('NotFoundException', `Key '${keyId}' does not exist`);
    const hash = HMAC_ALGORITHMS[algorithm as keyof typeof HMAC_ALGORITHMS];
    if (hash !== 'sha256') throw awsError('InvalidKeyUsageException', `${algorithm} is not supported by a key of spec HMAC_256`);
    if (message === undefined || message.length === 0 || message.length > 4_096) {
      throw awsError('ValidationException', 'Message must be 1 to 4096 bytes');
    }
    return createHmac(hash, this.secret).update(message).digest();
  }
}

/** Task tokens look like `AQ` + base64: opaque, long, and unguessable. */
const TOKEN_PATTERN = /^AQ[A-Za-z0-9+/=]{40,2046}$/;

/** A fresh task token, as Step Functions puts one in `$$.Task.Token`. */
export function newTaskToken(): string {
  return `AQ${randomBytes(96).toString('base64')}`;
}

type TaskState = { status: 'waiting'; resolve: (output: unknown) => void; reject: (error: Error) => void; settled: Promise<unknown> } | { status: 'closed'; why: string };

/**
 * Step Functions' side of callback tasks. A task waits on its token until
 * SendTaskSuccess (its output becomes the task's result) or SendTaskFailure
 * (the task fails with that error name, so the ASL's Catch can match it).
 * As in AWS, a token that was never issued is `TaskDoesNotExist` (or
 * `InvalidToken` when it is not a token at all), and a token whose task
 * already finished, failed or timed out is `TaskTimedOut`.
 */
export class SimulatedTaskTokens {
  private readonly tasks = new Map<string, TaskState>();

  /** Registers the task waiting on `token` and returns what it settles with. */
  waitForTask(token: string): Promise<unknown> {
    const existing = this.tasks.get(token);
    if (existing?.status === 'waiting') return existing.settled;
    if (existing?.status === 'closed') return Promise.reject(awsError('TaskTimedOut', `Task Timed Out: the task for this token ${existing.why}`));
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const settled = new Promise<unknown>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    this.tasks.set(token, { status: 'waiting', resolve, reject, settled });
    return settled;
  }

  /** Tokens whose tasks still wait. */
  get waiting(): string[] {
    return [...this.tasks].filter(([, task]) => task.status === 'waiting').map(([token]) => token);
  }

  sendTaskSuccess(input: SendTaskSuccessCommandInput): Record<string, never> {
    const task = this.open(input.taskToken);
    let output: unknown;
    try {
      output = JSON.parse(input.output ?? '');
    } catch {
      throw awsError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    this.close(input.taskToken!, 'already succeeded');
    task.resolve(output);
    return {};
  }

  sendTaskFailure(input: SendTaskFailureCommandInput): Record<string, never> {
    const task = this.open(input.taskToken);
    this.close(input.taskToken!, 'already failed');
    task.reject(Object.assign(new Error(input.cause ?? ''), { name: input.error ?? '' }));
    return {};
  }

  /** The task's timeout passed: it fails with `States.Timeout`, and later answers are too late. */
  timeOut(token: string): void {
    this.fail(token, 'timed out', Object.assign(new Error('the task timed out waiting for its callback'), { name: 'States.Timeout' }));
  }

  /** The task ended without a callback (its function failed, the run stopped); later answers are too late. */
  abandon(token: string, why: string): void {
    const task = this.tasks.get(token);
    this.close(token, why);
    if (task?.status === 'waiting') {
      task.settled.catch(() => undefined); // nobody waits for it any more
      task.reject(Object.assign(new Error(`the task ${why}`), { name: 'States.TaskFailed' }));
    }
  }

  private fail(token: string, why: string, error: Error): void {
    const task = this.tasks.get(token);
    if (task?.status !== 'waiting') throw new Error(`no task waits on this token (${task === undefined ? 'never issued' : task.why})`);
    this.close(token, why);
    task.reject(error);
  }

  private open(token: string | undefined) {
    if (token === undefined || !TOKEN_PATTERN.test(token)) throw awsError('InvalidToken', 'Invalid Token: the task token is malformed');
    const task = this.tasks.get(token);
    if (task === undefined) throw awsError('TaskDoesNotExist', 'Task Does Not Exist');
    if (task.status === 'closed') throw awsError('TaskTimedOut', `Task Timed Out: 'Provided task does not exist anymore' (it ${task.why})`);
    return task;
  }

  private close(token: string, why: string): void {
    this.tasks.set(token, { status: 'closed', why });
  }
}
