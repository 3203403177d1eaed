import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { localLambdaContext } from './lambda-context.js';
import * as z from 'zod';
import { handlerEntry } from '../lib/workflow-functions.js';
import type { SimulatedWorld } from './simulated-world.js';

/**
 * The human on the other end of an approval, for local runs. When the
 * workflow waits on an approval, the approver finds the `approval-requested`
 * notification, opens its link and submits the form through the REAL
 * approval-callback handler, as a browser would through the function URL.
 * Scenario answers are used in order.
 */

/** How the human answers one approval request. */
export const ApprovalStepSchema = z.object({
  /**
   * `approve` / `reject`: open the link, then submit the form with that answer.
   * `timeout`: never answer; the task's timeout passes (`States.Timeout`).
   * `replay`: approve, then submit the same form again, which must be refused (409).
   */
  answer: z.enum(['approve', 'reject', 'timeout', 'replay']),
});
export type ApprovalStep = z.infer<typeof ApprovalStepSchema>;

/** Where approval links point locally; in AWS, the callback function's URL. */
export const LOCAL_APPROVAL_URL = 'https://approvals.self-healing.local/';

const HUMAN = { sourceIp: '198.51.100.10', userAgent: 'Mozilla/5.0 (scenario human)' } as const;

interface UrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
type UrlHandler = (event: LambdaFunctionURLEvent, context: Context) => Promise<UrlResponse>;

interface AwaitingApproval {
  type: 'approval-requested';
  incidentId: string;
  details: { approveUrl: string; rejectUrl: string };
}

/** The event a Lambda function URL delivers for a browser request (payload format 2.0). */
function functionUrlEvent(url: URL, method: 'GET' | 'POST', form?: URLSearchParams): LambdaFunctionURLEvent {
  const headers: Record<string, string> = { host: url.host, 'user-agent': HUMAN.userAgent };
  if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const rawQueryString = url.search.replace(/^\?/, '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString,
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters: Object.fromEntries(url.searchParams) }),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: url.host.split('.')[0] ?? 'local',
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: HUMAN.sourceIp, userAgent: HUMAN.userAgent },
      requestId: `local-${Math.random().toString(16).slice(2, 10)}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    // Function URLs deliver form bodies base64-encoded.
    ...(form === undefined ? {} : { body: Buffer.from(form.toString(), 'utf8').toString('base64') }),
    isBase64Encoded: form !== undefined,
  } as LambdaFunctionURLEvent;
}

const unescapeHtml = (text: string) =>
  text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The confirmation page's form: where it posts, and its hidden fields plus the chosen answer. */
function readForm(page: UrlResponse, pageUrl: URL, answer: 'approve' | 'reject'): { url: URL; fields: URLSearchParams } {
  const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(page.body);
  if (form === null) throw new Error('the confirmation page has no form');
  if (!new RegExp(`<button[^>]*name="answer" value="${answer}"`).test(form[2]!)) throw new Error(`the form has no ${answer} button`);
  const fields = new URLSearchParams();
  for (const [, name, value] of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(unescapeHtml(name!), unescapeHtml(value!));
  }
  fields.append('answer', answer);
  return { url: new URL(unescapeHtml(form[1]!), pageUrl), fields };
}

export class SimulatedApprover {
  /** What went differently from what a human would see; reported as scenario mismatches. */
  readonly problems: string[] = [];
  private readonly acting: Promise<void>[] = [];
  private readonly usedNotifications = new Set<number>();
  private next = 0;

  private constructor(
    private readonly world: SimulatedWorld,
    private readonly steps: readonly ApprovalStep[],
    private readonly callback: UrlHandler,
    private readonly print: (line: string) => void,
  ) {}

  /** Imports the real approval-callback handler; call after the environment is set. */
  static async load(world: SimulatedWorld, steps: readonly ApprovalStep[], print: (line: string) => void): Promise<SimulatedApprover> {
    const module = (await import(handlerEntry('approval-callback'))) as { handler: UrlHandler };
    return new SimulatedApprover(world, steps, module.handler, print);
  }

  /** `LocalWorkflowOptions.onTaskWaiting`: a task waits for a human; answer it with the next step. */
  readonly onTaskWaiting = (token: string, payload: unknown): void => {
    this.acting.push(this.answer(token, payload));
  };

  /** Waits until every answer started so far is complete. */
  async settled(): Promise<void> {
    let seen = -1;
    while (seen !== this.acting.length) {
      seen = this.acting.length;
      await Promise.all(this.acting);
    }
  }

  /** Problems, plus scenario answers no approval request used. */
  finalProblems(): string[] {
    const unused = this.steps.length - this.next;
    return unused > 0 ? [...this.problems, `approvals: ${unused} scenario answer(s) were never asked for`] : [...this.problems];
  }

  private async answer(token: string, payload: unknown): Promise<void> {
    const step = this.steps[this.next];
    this.next += 1;
    try {
      if (step === undefined) {
        this.problems.push('approvals: an approval was requested, but the scenario has no answer left; it timed out');
        this.world.timeOutTask(token);
        return;
      }
      if (step.answer === 'timeout') {
        this.print('  human: does not answer; the approval times out');
        this.world.timeOutTask(token);
        return;
      }
      const incidentId = (payload as { incident?: { incidentId?: string } }).incident?.incidentId;
      const request = this.takeRequest(incidentId);
      const answer = step.answer === 'reject' ? 'reject' : 'approve';
      const link = new URL(answer === 'approve' ? request.details.approveUrl : request.details.rejectUrl);

      const page = await this.send(functionUrlEvent(link, 'GET'), 200, `GET ${answer} link`);
      if (!page.headers['content-type']?.startsWith('text/html')) throw new Error(`GET ${answer} link: not an HTML page`);
      const form = readForm(page, link, answer);
      const posted = await this.send(functionUrlEvent(form.url, 'POST', form.fields), 200, `POST ${answer}`);
      this.print(`  human: opened the ${answer} link, submitted the form → ${posted.statusCode}`);
      if (step.answer === 'replay') {
        const replayed = await this.send(functionUrlEvent(form.url, 'POST', form.fields), 409, 'POST the same form again');
        this.print(`  human: submitted the same form again → ${replayed.statusCode} (already decided)`);
      }
    } catch (error) {
      this.problems.push(`approvals: ${(error as Error).message}`);
      // Whatever went wrong, the run must not wait forever on a human who gave up.
      if (this.world.taskTokens.waiting.includes(token)) this.world.timeOutTask(token);
    }
  }

  /** The newest approval request for the incident that this approver has not answered yet. */
  private takeRequest(incidentId: string | undefined): AwaitingApproval {
    for (let index = this.world.notifications.length - 1; index >= 0; index -= 1) {
      if (this.usedNotifications.has(index)) continue;
      let message: Partial<AwaitingApproval>;
      try {
        message = JSON.parse(this.world.notifications[index]!.Message ?? '') as Partial<AwaitingApproval>;
      } catch {
        continue;
      }
      if (message.type === 'approval-requested' && message.incidentId === incidentId) {
        this.usedNotifications.add(index);
        return message as AwaitingApproval;
      }
    }
    throw new Error(`no approval-requested notification was published for ${incidentId ?? 'the incident'}`);
  }

  private async send(event: LambdaFunctionURLEvent, expected: number, what: string): Promise<UrlResponse> {
    const response = await this.callback(event, localLambdaContext('approval-callback', 10_000));
    if (response.statusCode !== expected) {
      const text = response.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
      throw new Error(`${what}: expected ${expected}, got ${response.statusCode} (${text})`);
    }
    return response;
  }
}
