import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as CallbackHandler } from '../../../lambdas/approval-callback/index.js';
import { ApprovalStore } from '../../../lambdas/shared/approval-store.js';
import { createStateTable, type LocalDynamoDb, startLocalDynamoDb } from '../../../local/local-dynamodb.js';
import { APPROVAL_ID, fakeKms, formPost, KEY_ARN, linkFields, pendingRecord, urlEvent } from '../approval-fixtures.js';
import { invoke } from '../harness.js';

/**
 * Single use, against dynalite: a real DynamoDB-protocol server evaluates
 * the conditional update, so racing answers are decided by DynamoDB's own
 * rules, not by a fake. KMS and Step Functions are mocked.
 */

const TABLE = 'approvals-race';
const kms = fakeKms();
const sfn = mockClient(SFNClient);

interface Response {
  statusCode: number;
  body: string;
}

describe('approval callback on a DynamoDB-protocol server', () => {
  let db: LocalDynamoDb;
  let documents: DynamoDBDocumentClient;
  let store: ApprovalStore;
  let handler: typeof CallbackHandler;
  let expiresAt: number;
  const call = (event: unknown) => invoke(handler, event) as unknown as Promise<Response>;

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    await createStateTable(db.endpoint, TABLE);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = db.endpoint;
    process.env.TABLE_NAME = TABLE;
    process.env.APPROVAL_KEY_ID = KEY_ARN;
    ({ handler } = await import('../../../lambdas/approval-callback/index.js'));
    documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    );
    store = new ApprovalStore(documents, TABLE);
  });

  afterAll(async () => {
    documents.destroy();
    await db.stop();
  });

  let sequence = 0;
  let approvalId: string;
  beforeEach(async () => {
    kms.reset();
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    // A fresh approval per test keeps the cases independent.
    sequence += 1;
    approvalId = `${APPROVAL_ID.slice(0, 20)}${String(sequence).padStart(2, '0')}`;
    expiresAt = Math.floor(Date.now() / 1000) + 600;
    const { status: _status, ...fresh } = pendingRecord(expiresAt, { approvalId });
    await store.create(fresh);
  });

  it('lets exactly one of several racing POSTs decide, and answers the workflow once', async () => {
    const answers = ['approve', 'reject', 'approve', 'reject', 'approve'] as const;
    const responses = await Promise.all(answers.map((answer) => call(formPost(linkFields(approvalId, expiresAt, answer)))));

    const codes = responses.map((response) => response.statusCode);
    expect(codes.filter((code) => code === 200)).toHaveLength(1);
    expect(codes.filter((code) => code === 409)).toHaveLength(answers.length - 1);
    const answered = [...sfn.commandCalls(SendTaskSuccessCommand), ...sfn.commandCalls(SendTaskFailureCommand)];
    expect(answered).toHaveLength(1);

    const record = await store.get(approvalId);
    const winner = answers[codes.indexOf(200)] === 'approve' ? 'approved' : 'rejected';
    expect(record).toMatchObject({ status: winner, decidedAt: expect.any(String), decidedBy: expect.stringContaining('203.0.113.7') });
  });

  it('leaves the record untouched on GET', async () => {
    const before = await store.get(approvalId);
    const response = await call(urlEvent({ query: linkFields(approvalId, expiresAt) }));
    expect(response.statusCode).toBe(200);
    expect(await store.get(approvalId)).toEqual(before);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('refuses a decision once the stored expiry has passed, whatever the clock of the request', async () => {
    const { status: _status, ...stale } = pendingRecord(Math.floor(Date.now() / 1000) - 1, { approvalId: `${approvalId.slice(0, 21)}x` });
    await store.create(stale);
    const result = await store.decide(stale.approvalId, 'approved', 'someone', new Date());
    expect(result.outcome).toBe('refused');
    expect((await store.get(stale.approvalId))?.status).toBe('pending');
  });
});
