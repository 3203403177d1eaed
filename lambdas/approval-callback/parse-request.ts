import * as z from 'zod';
import {
  type ApprovalAnswer,
  AnswerSchema,
  ApprovalIdSchema,
  ExpirySchema,
  SignatureSchema,
  type SignedApproval,
} from '../shared/approval-signature.js';

/** Largest form body accepted: four short fields need far less. */
const MAX_BODY_CHARS = 4_096;
const MAX_USER_AGENT_CHARS = 200;

/**
 * The parts of a Lambda function URL event (payload format 2.0) the
 * callback reads. Anything else in the event is ignored.
 */
export const FunctionUrlEventSchema = z.object({
  rawPath: z.string().max(2_048),
  rawQueryString: z.string().max(4_096).default(''),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    http: z.object({
      method: z.string().min(1).max(16),
      sourceIp: z.string().min(1).max(64),
      userAgent: z.string().default(''),
    }),
  }),
});
export type FunctionUrlEvent = z.infer<typeof FunctionUrlEventSchema>;

/** A human opens a link: show the plan, change nothing. */
export interface ViewRequest {
  kind: 'view';
  approval: SignedApproval;
  answer: ApprovalAnswer;
}

/** A human submits the confirmation form: record the answer and tell the workflow. */
export interface DecideRequest {
  kind: 'decide';
  approval: SignedApproval;
  answer: ApprovalAnswer;
  /** Who answered, as far as the request says: source IP and user agent. */
  decidedBy: string;
}

/** A request refused before any AWS call, with the status and a reason for the page. */
export interface RefusedRequest {
  kind: 'refused';
  statusCode: 400 | 403 | 404 | 405;
  reason: string;
}

export type CallbackRequest = ViewRequest | DecideRequest | RefusedRequest;

const refuse = (statusCode: RefusedRequest['statusCode'], reason: string): RefusedRequest => ({ kind: 'refused', statusCode, reason });

/**
 * Reads what a request asks for, from the query string (GET) or the
 * url-encoded form body (POST). Only shape is checked here; the signature
 * is verified by KMS afterwards. A malformed request is a 400, a missing or
 * malformed signature a 403.
 */
export function parseCallbackRequest(rawEvent: unknown): CallbackRequest {
  const parsed = FunctionUrlEventSchema.safeParse(rawEvent);
  if (!parsed.success) return refuse(400, 'The request is not a function URL request.');
  const event = parsed.data;
  if (event.rawPath !== '/' && event.rawPath !== '') return refuse(404, 'There is nothing at this address.');

  const method = event.requestContext.http.method.toUpperCase();
  if (method === 'GET') {
    const fields = readFields(new URLSearchParams(event.rawQueryString));
    return fields.kind === 'refused' ? fields : { kind: 'view', approval: fields.approval, answer: fields.answer };
  }
  if (method === 'POST') {
    const contentType = headerOf(event.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') return refuse(400, 'The answer must be sent by the confirmation form.');
    if (event.body === undefined || event.body === '') return refuse(400, 'The form was empty.');
    const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (body.length > MAX_BODY_CHARS) return refuse(400, 'The form is too large.');
    const fields = readFields(new URLSearchParams(body));
    if (fields.kind === 'refused') return fields;
    const { sourceIp, userAgent } = event.requestContext.http;
    const agent = userAgent.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_USER_AGENT_CHARS) || 'unknown user agent';
    return { kind: 'decide', approval: fields.approval, answer: fields.answer, decidedBy: `${sourceIp} (${agent})` };
  }
  return refuse(405, `${method.slice(0, 16)} is not supported here: open the link, then use the form.`);
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

interface Fields {
  kind: 'fields';
  approval: SignedApproval;
  answer: ApprovalAnswer;
}

/** The four fields, each exactly once. */
function readFields(params: URLSearchParams): Fields | RefusedRequest {
  const single = (name: string): string | undefined | null => {
    const values = params.getAll(name);
    if (values.length > 1) return null;
    return values[0];
  };
  const id = ApprovalIdSchema.safeParse(single('id'));
  const exp = ExpirySchema.safeParse(single('exp'));
  const answer = AnswerSchema.safeParse(single('answer'));
  if (!id.success || !exp.success || !answer.success) {
    return refuse(400, 'This link is incomplete or damaged: open the link from the notification again.');
  }
  const sig = SignatureSchema.safeParse(single('sig'));
  if (!sig.success) return refuse(403, 'This link is not signed.');
  return { kind: 'fields', approval: { approvalId: id.data, expiresAt: exp.data, signature: sig.data }, answer: answer.data };
}
