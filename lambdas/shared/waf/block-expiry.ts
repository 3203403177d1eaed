import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import * as z from 'zod';
import { callAws } from '../aws-errors.js';

/** Where expiry schedules go and what they invoke; the stack passes these in. */
export interface ScheduleSettings {
  /** Schedule group that holds the expiry schedules. */
  readonly groupName: string;
  /** ARN of the Lambda function that removes an expired block. */
  readonly targetArn: string;
  /** ARN of the role EventBridge Scheduler assumes to invoke it. */
  readonly roleArn: string;
  /**
   * Queue for an expiry Scheduler could not deliver (after its retries), so
   * a block whose removal failed is never silently left in place.
   * @default none
   */
  readonly deadLetterArn?: string;
  /**
   * How Scheduler retries a failed delivery.
   * @default Scheduler's own (185 attempts over 24 h)
   */
  readonly retryPolicy?: { readonly maximumRetryAttempts: number; readonly maximumEventAgeInSeconds: number };
}

/** What the expiry schedule hands the unblock function: enough to find the block's record. */
export const UnblockInputSchema = z
  .object({
    action: z.literal('unblockIpInWaf'),
    blockId: z.string().regex(/^blk-[0-9a-f]{28}$/),
    ipSet: z.object({ name: z.string().min(1).max(128), id: z.string().min(1).max(36), scope: z.enum(['REGIONAL', 'CLOUDFRONT']) }).strict(),
    cidr: z.string().min(3).max(64),
  })
  .strict();
export type UnblockInput = z.infer<typeof UnblockInputSchema>;

/** The schedule's name, fixed by the block id, so a retried apply finds the schedule it made. */
export function scheduleNameOf(blockId: string): string {
  return `unblock-${blockId}`;
}

/** A one-time Scheduler expression for a UTC instant, rounded up to the whole second: `at(2026-11-27T10:30:00)`. */
export function atExpression(when: Date): string {
  const rounded = new Date(Math.ceil(when.getTime() / 1000) * 1000);
  return `at(${rounded.toISOString().slice(0, 19)})`;
}

/**
 * One EventBridge Scheduler schedule per block, firing once when the block
 * ends and deleting itself afterwards. Creating it is idempotent: the name
 * comes from the block id, and a schedule that already exists is the one an
 * earlier try made.
 */
export class BlockExpiry {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: ScheduleSettings,
  ) {}

  async schedule(input: UnblockInput, at: Date, description: string): Promise<{ scheduleName: string; created: boolean }> {
    const scheduleName = scheduleNameOf(input.blockId);
    try {
      await callAws('CreateSchedule', () =>
        this.client.send(
          new CreateScheduleCommand({
            Name: scheduleName,
            GroupName: this.settings.groupName,
            ScheduleExpression: atExpression(at),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Description: description.slice(0, 512),
            Target: {
              Arn: this.settings.targetArn,
              RoleArn: this.settings.roleArn,
              Input: JSON.stringify(UnblockInputSchema.parse(input)),
              ...(this.settings.deadLetterArn === undefined ? {} : { DeadLetterConfig: { Arn: this.settings.deadLetterArn } }),
              ...(this.settings.retryPolicy === undefined
                ? {}
                : {
                    RetryPolicy: {
                      MaximumRetryAttempts: this.settings.retryPolicy.maximumRetryAttempts,
                      MaximumEventAgeInSeconds: this.settings.retryPolicy.maximumEventAgeInSeconds,
                    },
                  }),
            },
            ClientToken: input.blockId,
          }),
        ),
      );
      return { scheduleName, created: true };
    } catch (error) {
      if (error instanceof ConflictException) return { scheduleName, created: false };
      throw error;
    }
  }

  /** Deletes the block's schedule, after an undo; one that is gone already is fine. */
  async cancel(blockId: string): Promise<boolean> {
    try {
      await callAws('DeleteSchedule', () =>
        this.client.send(new DeleteScheduleCommand({ Name: scheduleNameOf(blockId), GroupName: this.settings.groupName })),
      );
      return true;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return false;
      throw error;
    }
  }
}
