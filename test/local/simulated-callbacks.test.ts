import { describe, expect, it } from 'vitest';
import { LAMBDA_WAIT_FOR_TASK_TOKEN, LOCAL_TIMEOUT_PARAMETER, loadDefinition, localFunctionArn, withLocalCallbackTimeouts } from '../../local/local-workflow.js';
import { newTaskToken, SimulatedHmacKey, SimulatedTaskTokens } from '../../local/simulated-callbacks.js';
import { WORKFLOW_FUNCTIONS } from '../../lib/workflow-functions.js';

/** The local stand-ins for Step Functions callback tasks and the KMS HMAC key behave as AWS documents. */

const rejectionOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error) => error);

describe('SimulatedTaskTokens', () => {
  it('settles a waiting task with the parsed SendTaskSuccess output, once', async () => {
    const tasks = new SimulatedTaskTokens();
    const token = newTaskToken();
    const waiting = tasks.waitForTask(token);
    expect(tasks.waiting).toEqual([token]);

    tasks.sendTaskSuccess({ taskToken: token, output: '{"approved":true}' });

    await expect(waiting).resolves.toEqual({ approved: true });
    expect(tasks.waiting).toEqual([]);
    expect(() => tasks.sendTaskSuccess({ taskToken: token, output: '{}' })).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('fails a waiting task with an Error named by SendTaskFailure, so a Catch can match it', async () => {
    const tasks = new SimulatedTaskTokens();
    const token = newTaskToken();
    const waiting = tasks.waitForTask(token);
    tasks.sendTaskFailure({ taskToken: token, error: 'ApprovalRejected', cause: 'rejected by someone' });
    expect(await rejectionOf(waiting)).toMatchObject({ name: 'ApprovalRejected', message: 'rejected by someone' });
  });

  it('times a task out with States.Timeout; a late answer is TaskTimedOut', async () => {
    const tasks = new SimulatedTaskTokens();
    const token = newTaskToken();
    const waiting = tasks.waitForTask(token);
    tasks.timeOut(token);
    expect(await rejectionOf(waiting)).toMatchObject({ name: 'States.Timeout' });
    expect(() => tasks.sendTaskFailure({ taskToken: token, error: 'ApprovalRejected' })).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('refuses tokens it never issued, and strings that are not tokens, as AWS does', () => {
    const tasks = new SimulatedTaskTokens();
    expect(() => tasks.sendTaskSuccess({ taskToken: newTaskToken(), output: '{}' })).toThrow(expect.objectContaining({ name: 'TaskDoesNotExist' }));
    expect(() => tasks.sendTaskSuccess({ taskToken: 'not-a-token', output: '{}' })).toThrow(expect.objectContaining({ name: 'InvalidToken' }));
  });

  it('refuses output that is not JSON and keeps the task waiting', () => {
    const tasks = new SimulatedTaskTokens();
    const token = newTaskToken();
    void tasks.waitForTask(token);
    expect(() => tasks.sendTaskSuccess({ taskToken: token, output: 'yes' })).toThrow(expect.objectContaining({ name: 'InvalidOutput' }));
    expect(tasks.waiting).toEqual([token]);
  });
});

describe('SimulatedHmacKey', () => {
  const key = new SimulatedHmacKey('us-east-1', '123456789012');
  const message = Buffer.from('id.1800000000');

  it('verifies its own MAC', () => {
    const { Mac } = key.generateMac({ KeyId: key.keyArn, MacAlgorithm: 'HMAC_SHA_256', Message: message });
    expect(Mac).toHaveLength(32);
    expect(key.verifyMac({ KeyId: key.keyArn, MacAlgorithm: 'HMAC_SHA_256', Message: message, Mac })).toMatchObject({ MacValid: true });
  });

  it('answers a MAC that does not match with KMSInvalidMacException, as KMS does', () => {
    const { Mac } = key.generateMac({ KeyId: key.keyArn, MacAlgorithm: 'HMAC_SHA_256', Message: message });
    expect(() => key.verifyMac({ KeyId: key.keyArn, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from('id.1800000001'), Mac })).toThrow(
      expect.objectContaining({ name: 'KMSInvalidMacException' }),
    );
    const other = new SimulatedHmacKey('us-east-1', '123456789012');
    expect(() => other.verifyMac({ KeyId: other.keyArn, MacAlgorithm: 'HMAC_SHA_256', Message: message, Mac })).toThrow(
      expect.objectContaining({ name: 'KMSInvalidMacException' }),
    );
  });

  it('refuses a key it does not hold', () => {
    expect(() => key.generateMac({ KeyId: 'alias/other', MacAlgorithm: 'HMAC_SHA_256', Message: message })).toThrow(
      expect.objectContaining({ name: 'NotFoundException' }),
    );
  });
});

describe('withLocalCallbackTimeouts', () => {
  it("moves RequestApproval's TimeoutSecondsPath into its parameters, evaluated against the state input", () => {
    const substitutions = Object.fromEntries(WORKFLOW_FUNCTIONS.map((fn) => [fn.substitutionKey, localFunctionArn(fn.directory)]));
    const definition = withLocalCallbackTimeouts(loadDefinition(substitutions));
    const state = definition.States.RequestApproval as { Resource: string; Parameters: Record<string, unknown>; TimeoutSeconds?: number; TimeoutSecondsPath?: string };

    expect(state.Resource).toBe(LAMBDA_WAIT_FOR_TASK_TOKEN);
    expect(state.TimeoutSecondsPath).toBeUndefined();
    expect(state.TimeoutSeconds).toBeGreaterThan(86_400);
    expect(state.Parameters).toMatchObject({
      FunctionName: localFunctionArn('request-approval'),
      [`${LOCAL_TIMEOUT_PARAMETER}.$`]: '$.context.limits.approvalTimeoutSeconds',
      Payload: expect.objectContaining({ 'taskToken.$': '$$.Task.Token' }),
    });
  });
});
