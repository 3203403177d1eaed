import { VerifyMacCommand } from '@aws-sdk/client-kms';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { handler as CallbackHandler } from '../../../lambdas/approval-callback/index.js';
import type { ApprovalRecord } from '../../../lambdas/shared/approval-store.js';
import { APPROVAL_ID, fakeKms, formPost, KEY_ARN, linkFields, pendingRecord, signatureFor, TASK_TOKEN, urlEvent } from '../approval-fixtures.js';
import { conditionalCheckFailed, invoke, TABLE_NAME, throttlingError } from '../harness.js';

process.env.TABLE_NAME = TABLE_NAME;
process.env.APPROVAL_KEY_ID = KEY_ARN;

const kms = fakeKms();
const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const NOW = new Date('2026-11-27T10:05:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const EXPIRES_AT = NOW_SECONDS + 3_300;

let handler: typeof CallbackHandler;
/** The approval item as the table holds it; the Update fake applies the conditions DynamoDB would. */
let item: ApprovalRecord | undefined;

interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
const call = (event: unknown) => invoke(handler, event) as unknown as Promise<Response>;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  ({ handler } = await import('../../../lambdas/approval-callback/index.js'));
});

afterAll(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  vi.setSystemTime(NOW);
  item = pendingRecord(EXPIRES_AT);
  kms.reset();
  dynamo.reset();
  sfn.reset();
  dynamo.on(GetCommand).callsFake(() => ({ Item: item === undefined ? undefined : structuredClone(item) }));
  dynamo.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    // Yield first, as a network call would, so that concurrent requests interleave.
    await new Promise((resolve) => setImmediate(resolve));
    const values = input.ExpressionAttributeValues as Record<string, any>;
    if (input.ConditionExpression === '#status = :pending AND expiresAt > :now') {
      if (item === undefined || item.status !== 'pending' || !(item.expiresAt > values[':now'])) throw conditionalCheckFailed();
      item = { ...item, status: values[':status'], decidedAt: values[':decidedAt'], decidedBy: values[':decidedBy'] };
      return { Attributes: structuredClone(item) };
    }
    if (item === undefined || !['approved', 'rejected'].includes(item.status) || item.decidedAt !== values[':decidedAt']) throw conditionalCheckFailed();
    if (':expired' in values) item = { ...item, status: 'expired', expiredAt: values[':now'] };
    else {
      const { decidedAt: _decidedAt, decidedBy: _decidedBy, ...rest } = item;
      item = { ...rest, status: 'pending' };
    }
    return {};
  });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
});

const writes = () => [...dynamo.commandCalls(UpdateCommand), ...dynamo.commandCalls(PutCommand)];
const taskAnswers = () => [...sfn.commandCalls(SendTaskSuccessCommand), ...sfn.commandCalls(SendTaskFailureCommand)];

function expectSecurityHeaders(response: Response) {
  expect(response.headers).toMatchObject({
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
}

/** Nothing was written and the workflow was not answered. */
function expectNothingChanged() {
  expect(writes()).toHaveLength(0);
  expect(taskAnswers()).toHaveLength(0);
}

describe('GET: the link opens a confirmation page', () => {
  it('verifies the signature with KMS and shows the plan with a form that POSTs the signed fields', async () => {
    const response = await call(urlEvent({ query: linkFields(APPROVAL_ID, EXPIRES_AT, 'approve') }));

    expect(response.statusCode).toBe(200);
    expectSecurityHeaders(response);
    const verify = kms.mock.commandCalls(VerifyMacCommand);
    expect(verify).toHaveLength(1);
    expect(verify[0]!.args[0].input).toMatchObject({ KeyId: KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
    expect(Buffer.from(verify[0]!.args[0].input.Message!).toString()).toBe(`${APPROVAL_ID}.${EXPIRES_AT}`);

    expect(response.body).toContain('scaleOutAsg');
    expect(response.body).toContain('autoscaling-group/web');
    expect(response.body).toContain('scaling out 4 → 6');
    expect(response.body).toContain('autonomy approve');
    expect(response.body).toContain(new Date(EXPIRES_AT * 1000).toISOString());
    expect(response.body).toContain('<form method="post" action="/">');
    expect(response.body).toContain(`<input type="hidden" name="id" value="${APPROVAL_ID}">`);
    expect(response.body).toContain(`<input type="hidden" name="exp" value="${EXPIRES_AT}">`);
    expect(response.body).toContain(`<input type="hidden" name="sig" value="${signatureFor(APPROVAL_ID, EXPIRES_AT)}">`);
    expect(response.body).toMatch(/<button type="submit" name="answer" value="approve"[^>]*>Approve<\/button>/);
    expect(response.body).toMatch(/<button type="submit" name="answer" value="reject"[^>]*>Reject<\/button>/);
    expect(response.body).not.toContain(TASK_TOKEN);
  });

  it('changes nothing: opening the link, even repeatedly, as a mail scanner would, writes nothing and answers no task', async () => {
    for (const answer of ['approve', 'reject', 'approve'] as const) {
      const response = await call(urlEvent({ query: linkFields(APPROVAL_ID, EXPIRES_AT, answer) }));
      expect(response.statusCode).toBe(200);
    }
    expectNothingChanged();
    expect(item?.status).toBe('pending');
  });

  it('escapes hostile plan text: a rationale, target or policy cannot become markup', async () => {
    item = pendingRecord(EXPIRES_AT, {
      rationale: '<script>alert("pwned")</script> scale out',
      target: 'autoscaling-group/"><img src=x onerror=alert(1)>',
      policySummary: "allowed' onmouseover='alert(2)",
      params: { note: '</pre><script>steal()</script>' },
    });

    const response = await call(urlEvent({ query: linkFields(APPROVAL_ID, EXPIRES_AT) }));

    expect(response.statusCode).toBe(200);
    expect(response.body).not.toMatch(/<script/i);
    expect(response.body).not.toContain('<img');
    expect(response.body).not.toContain("' onmouseover='");
    expect(response.body).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; scale out');
    expect(response.body).toContain('autoscaling-group/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('refusals change nothing', () => {
  it('refuses a link whose signature was made with another key: 403', async () => {
    const forged = { ...linkFields(APPROVAL_ID, EXPIRES_AT), sig: signatureFor(APPROVAL_ID, EXPIRES_AT, Buffer.from('another key')) };
    const response = await call(urlEvent({ query: forged }));
    expect(response.statusCode).toBe(403);
    expectSecurityHeaders(response);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    expectNothingChanged();
  });

  it('refuses a link whose expiry was pushed back: the signature covers it, 403', async () => {
    const stretched = { ...linkFields(APPROVAL_ID, EXPIRES_AT), exp: String(EXPIRES_AT + 86_400) };
    const response = await call(urlEvent({ query: stretched }));
    expect(response.statusCode).toBe(403);
    expectNothingChanged();
  });

  it('refuses a forged form POST the same way: 403', async () => {
    const forged = { ...linkFields(APPROVAL_ID, EXPIRES_AT), sig: signatureFor(APPROVAL_ID, EXPIRES_AT, Buffer.from('another key')) };
    const response = await call(formPost(forged));
    expect(response.statusCode).toBe(403);
    expectNothingChanged();
  });

  it.each([
    ['no signature', { id: APPROVAL_ID, exp: String(EXPIRES_AT), answer: 'approve' }],
    ['a signature of the wrong shape', { id: APPROVAL_ID, exp: String(EXPIRES_AT), answer: 'approve', sig: 'not-a-mac' }],
  ])('refuses a link with %s before asking KMS: 403', async (_case, query) => {
    const response = await call(urlEvent({ query }));
    expect(response.statusCode).toBe(403);
    expect(kms.mock.calls()).toHaveLength(0);
    expectNothingChanged();
  });

  it('refuses an expired link, even correctly signed: 410', async () => {
    const response = await call(urlEvent({ query: linkFields(APPROVAL_ID, NOW_SECONDS - 1) }));
    expect(response.statusCode).toBe(410);
    expectSecurityHeaders(response);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    expectNothingChanged();
  });

  it('refuses to record an answer after the expiry: 410, the approval untouched', async () => {
    vi.setSystemTime(new Date((EXPIRES_AT + 1) * 1000));
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT)));
    expect(response.statusCode).toBe(410);
    expectNothingChanged();
    expect(item?.status).toBe('pending');
  });

  it('refuses an approval the workflow already gave up on: 410', async () => {
    item = pendingRecord(EXPIRES_AT, { status: 'expired' });
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT)));
    expect(response.statusCode).toBe(410);
    expectNothingChanged();
  });

  it('answers 404 for a signed link whose approval does not exist', async () => {
    item = undefined;
    const response = await call(urlEvent({ query: linkFields(APPROVAL_ID, EXPIRES_AT) }));
    expect(response.statusCode).toBe(404);
    expectNothingChanged();
  });

  it.each([
    ['no id', { query: { exp: String(EXPIRES_AT), sig: signatureFor(APPROVAL_ID, EXPIRES_AT), answer: 'approve' } }],
    ['an unknown answer', { query: { ...linkFields(APPROVAL_ID, EXPIRES_AT), answer: 'maybe' } }],
    ['an expiry that is not a number', { query: { ...linkFields(APPROVAL_ID, EXPIRES_AT), exp: 'tomorrow' } }],
    ['an id given twice', { query: `${new URLSearchParams(linkFields(APPROVAL_ID, EXPIRES_AT))}&id=${APPROVAL_ID}` }],
    ['no query at all', { query: '' }],
  ])('refuses a link with %s: 400', async (_case, request) => {
    const response = await call(urlEvent(request));
    expect(response.statusCode).toBe(400);
    expectSecurityHeaders(response);
    expect(kms.mock.calls()).toHaveLength(0);
    expectNothingChanged();
  });

  it.each([
    ['a JSON body', urlEvent({ method: 'POST', contentType: 'application/json', body: JSON.stringify(linkFields(APPROVAL_ID, EXPIRES_AT)) })],
    ['an empty body', urlEvent({ method: 'POST', contentType: 'application/x-www-form-urlencoded' })],
    ['a body that is not a form', urlEvent({ method: 'POST', contentType: 'application/x-www-form-urlencoded', body: '%%%%' })],
    ['something that is not a function URL event', { hello: 'world' }],
  ])('refuses %s: 400', async (_case, event) => {
    const response = await call(event);
    expect(response.statusCode).toBe(400);
    expectNothingChanged();
  });

  it('refuses other methods with 405 and says which are allowed', async () => {
    const response = await call(urlEvent({ method: 'DELETE', query: linkFields(APPROVAL_ID, EXPIRES_AT) }));
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, POST');
    expectNothingChanged();
  });

  it('answers 404 for other paths without asking KMS', async () => {
    const response = await call(urlEvent({ path: '/favicon.ico' }));
    expect(response.statusCode).toBe(404);
    expect(kms.mock.calls()).toHaveLength(0);
  });

  it('answers 503 when KMS is throttled, and changes nothing', async () => {
    kms.mock.on(VerifyMacCommand).rejects(throttlingError());
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT)));
    expect(response.statusCode).toBe(503);
    expectNothingChanged();
  });
});

describe('POST: the form records the answer once and answers the workflow', () => {
  it('approves: records who and when with a conditional update, then SendTaskSuccess with the decision', async () => {
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT, 'approve'), { sourceIp: '198.51.100.23', userAgent: 'Mozilla/5.0 (Oncall laptop)' }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Approved');
    const updates = dynamo.commandCalls(UpdateCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args[0].input).toMatchObject({
      TableName: TABLE_NAME,
      Key: { pk: `APPROVAL#${APPROVAL_ID}`, sk: 'META' },
      ConditionExpression: '#status = :pending AND expiresAt > :now',
      ExpressionAttributeValues: {
        ':status': 'approved',
        ':pending': 'pending',
        ':now': NOW_SECONDS,
        ':decidedAt': NOW.toISOString(),
        ':decidedBy': '198.51.100.23 (Mozilla/5.0 (Oncall laptop))',
      },
    });
    const success = sfn.commandCalls(SendTaskSuccessCommand);
    expect(success).toHaveLength(1);
    expect(success[0]!.args[0].input.taskToken).toBe(TASK_TOKEN);
    expect(JSON.parse(success[0]!.args[0].input.output!)).toEqual({
      approved: true,
      approvalId: APPROVAL_ID,
      decidedAt: NOW.toISOString(),
      decidedBy: '198.51.100.23 (Mozilla/5.0 (Oncall laptop))',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    expect(item).toMatchObject({ status: 'approved', decidedBy: '198.51.100.23 (Mozilla/5.0 (Oncall laptop))' });
  });

  it('rejects: SendTaskFailure with the error ApprovalRejected and a cause naming who rejected', async () => {
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT, 'reject'), { sourceIp: '198.51.100.23' }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Rejected');
    const failure = sfn.commandCalls(SendTaskFailureCommand);
    expect(failure).toHaveLength(1);
    expect(failure[0]!.args[0].input).toEqual({
      taskToken: TASK_TOKEN,
      error: 'ApprovalRejected',
      cause: `rejected by 198.51.100.23 (Mozilla/5.0 (approval test)) at ${NOW.toISOString()}`,
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(item?.status).toBe('rejected');
  });

  it('reads a form body that arrives without base64 encoding too', async () => {
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT), { base64: false, contentType: 'application/x-www-form-urlencoded; charset=UTF-8' }));
    expect(response.statusCode).toBe(200);
    expect(taskAnswers()).toHaveLength(1);
  });

  it('is single use: a second POST gets 409 "already decided" and changes nothing', async () => {
    await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT, 'approve')));
    dynamo.resetHistory();
    sfn.resetHistory();

    const replay = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT, 'reject')));

    expect(replay.statusCode).toBe(409);
    expect(replay.body).toContain('Already decided');
    expectNothingChanged();
    expect(item?.status).toBe('approved');
  });

  it('lets exactly one of two racing POSTs through the conditional update', async () => {
    const [first, second] = await Promise.all([
      call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT, 'approve'))),
      call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT, 'reject'))),
    ]);

    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 409]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(taskAnswers()).toHaveLength(1);
    const winner = first.statusCode === 200 ? 'approved' : 'rejected';
    expect(item?.status).toBe(winner);
  });

  it('answers 410 when the expiry passes between the read and the write', async () => {
    dynamo.on(GetCommand).callsFake(() => {
      // The read sees it pending; by the write the expiry has passed.
      vi.setSystemTime(new Date((EXPIRES_AT + 5) * 1000));
      return { Item: structuredClone(item) };
    });
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT)));
    expect(response.statusCode).toBe(410);
    expect(taskAnswers()).toHaveLength(0);
    expect(item?.status).toBe('pending');
  });

  it('marks the approval expired and answers 410 when the workflow already stopped waiting (TaskTimedOut)', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: { httpStatusCode: 400 } }));

    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT)));

    expect(response.statusCode).toBe(410);
    expect(item).toMatchObject({ status: 'expired', expiredAt: NOW.toISOString(), decidedBy: expect.any(String) });
  });

  it('marks the approval expired for an InvalidToken as well', async () => {
    sfn.on(SendTaskFailureCommand).rejects(Object.assign(new Error('Invalid Token'), { name: 'InvalidToken', $metadata: { httpStatusCode: 400 } }));
    const response = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT, 'reject')));
    expect(response.statusCode).toBe(410);
    expect(item?.status).toBe('expired');
  });

  it('gives the approval back when the answer cannot be delivered for now: 503, pending again, the link still works', async () => {
    sfn.on(SendTaskSuccessCommand).rejectsOnce(throttlingError());

    const failed = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT)));
    expect(failed.statusCode).toBe(503);
    expect(item?.status).toBe('pending');
    expect(item?.decidedAt).toBeUndefined();

    const retried = await call(formPost(linkFields(APPROVAL_ID, EXPIRES_AT)));
    expect(retried.statusCode).toBe(200);
    expect(item?.status).toBe('approved');
  });
});
