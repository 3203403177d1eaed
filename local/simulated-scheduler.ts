import {
  ConflictException,
  type CreateScheduleCommandInput,
  type DeleteScheduleCommandInput,
  type GetScheduleCommandInput,
  type GetScheduleCommandOutput,
  type ListSchedulesCommandInput,
  ResourceNotFoundException,
  type ScheduleSummary,
  type Target,
  ValidationException,
} from '@aws-sdk/client-scheduler';

/**
 * EventBridge Scheduler in the simulated world: one-time schedules
 * (`at(yyyy-mm-ddThh:mm:ss)`) behind CreateSchedule, GetSchedule,
 * DeleteSchedule and ListSchedules. Nothing fires by itself — no time
 * passes locally — so whoever drives the world asks which schedules are due
 * (`due`) and reports one as run (`complete`), which deletes it when its
 * ActionAfterCompletion is DELETE, as Scheduler does.
 */

/** A schedule as the world's helpers show it. */
export interface ScheduleView {
  readonly name: string;
  readonly groupName: string;
  /** When the one-time schedule fires. */
  readonly at: Date;
  /** The target's `Input`, parsed as JSON (the raw string when it is not JSON; undefined when absent). */
  readonly input: unknown;
  readonly targetArn: string;
  readonly roleArn: string;
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly state: 'ENABLED' | 'DISABLED';
}

interface StoredSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly expression: string;
  readonly timezone?: string;
  readonly at: Date;
  readonly target: Target;
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly state: 'ENABLED' | 'DISABLED';
  readonly flexibleTimeWindow: NonNullable<CreateScheduleCommandInput['FlexibleTimeWindow']>;
  readonly description?: string;
  readonly clientToken?: string;
  readonly createdAt: Date;
  /** A schedule that ran and was kept (ActionAfterCompletion NONE): never due again. */
  completed: boolean;
}

const DEFAULT_GROUP = 'default';
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const metadata = { httpStatusCode: 400 } as const;

function validation(message: string): ValidationException {
  return new ValidationException({ message, Message: message, $metadata: metadata });
}

/** Milliseconds the zone is ahead of UTC at instant `t`. */
function zoneOffset(t: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(t))
      .map((part) => [part.type, part.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - Math.floor(t / 1000) * 1000;
}

/** The instant of an `at(...)` expression read as wall-clock time in the zone. */
export function atInstant(expression: string, timeZone = 'UTC'): Date {
  const match = AT.exec(expression);
  if (match === null) {
    throw validation(`Invalid Schedule Expression ${expression}: the simulated world runs one-time schedules only, at(yyyy-mm-ddThh:mm:ss)`);
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw validation(`Invalid Schedule Expression ${expression}: not a date and time`);
  }
  try {
    let instant = wall;
    for (let round = 0; round < 2; round += 1) instant = wall - zoneOffset(instant, timeZone);
    return new Date(instant);
  } catch {
    throw validation(`Invalid ScheduleExpressionTimezone ${timeZone}`);
  }
}

function parseInput(input: string | undefined): unknown {
  if (input === undefined) return undefined;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

export class SimulatedScheduler {
  private readonly schedules = new Map<string, StoredSchedule>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  private static key(groupName: string | undefined, name: string | undefined): string {
    return `${groupName ?? DEFAULT_GROUP}/${name ?? ''}`;
  }

  private notFound(groupName: string | undefined, name: string | undefined): ResourceNotFoundException {
    const message = `Schedule ${name} does not exist in group ${groupName ?? DEFAULT_GROUP}.`;
    return new ResourceNotFoundException({ message, Message: message, $metadata: { httpStatusCode: 404 } });
  }

  createSchedule(input: CreateScheduleCommandInput): { ScheduleArn: string } {
    const name = input.Name ?? '';
    const groupName = input.GroupName ?? DEFAULT_GROUP;
    if (!NAME.test(name)) throw validation(`Invalid schedule name ${name}: 1 to 64 of [0-9a-zA-Z-_.]`);
    if (!NAME.test(groupName)) throw validation(`Invalid group name ${groupName}`);
    const key = SimulatedScheduler.key(groupName, name);
    const existing = this.schedules.get(key);
    if (existing !== undefined) {
      // A retry with the request's own client token is the same request: it succeeds again.
      if (input.ClientToken !== undefined && input.ClientToken === existing.clientToken) return { ScheduleArn: existing.arn };
      const message = `Schedule ${name} already exists.`;
      throw new ConflictException({ message, Message: message, $metadata: { httpStatusCode: 409 } });
    }
    if (input.Target?.Arn === undefined || input.Target.RoleArn === undefined) throw validation('Target.Arn and Target.RoleArn are required');
    if (input.FlexibleTimeWindow?.Mode === undefined) throw validation('FlexibleTimeWindow is required');
    if (input.Target.Input !== undefined && input.Target.Input.length > 8_192) throw validation('Target.Input is longer than 8192 characters');
    const expression = input.ScheduleExpression ?? '';
    const at = atInstant(expression, input.ScheduleExpressionTimezone ?? 'UTC');
    const arn = `arn:aws:scheduler:${this.region}:${this.account}:schedule/${groupName}/${name}`;
    this.schedules.set(key, {
      name,
      groupName,
      arn,
      expression,
      ...(input.ScheduleExpressionTimezone === undefined ? {} : { timezone: input.ScheduleExpressionTimezone }),
      at,
      target: structuredClone(input.Target),
      actionAfterCompletion: input.ActionAfterCompletion === 'DELETE' ? 'DELETE' : 'NONE',
      state: input.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      flexibleTimeWindow: { ...input.FlexibleTimeWindow },
      ...(input.Description === undefined ? {} : { description: input.Description }),
      ...(input.ClientToken === undefined ? {} : { clientToken: input.ClientToken }),
      createdAt: new Date(),
      completed: false,
    });
    return { ScheduleArn: arn };
  }

  getSchedule(input: GetScheduleCommandInput): GetScheduleCommandOutput {
    const schedule = this.schedules.get(SimulatedScheduler.key(input.GroupName, input.Name));
    if (schedule === undefined) throw this.notFound(input.GroupName, input.Name);
    return {
      Arn: schedule.arn,
      Name: schedule.name,
      GroupName: schedule.groupName,
      ScheduleExpression: schedule.expression,
      ...(schedule.timezone === undefined ? {} : { ScheduleExpressionTimezone: schedule.timezone }),
      ...(schedule.description === undefined ? {} : { Description: schedule.description }),
      State: schedule.state,
      CreationDate: schedule.createdAt,
      LastModificationDate: schedule.createdAt,
      Target: structuredClone(schedule.target),
      FlexibleTimeWindow: { ...schedule.flexibleTimeWindow },
      ActionAfterCompletion: schedule.actionAfterCompletion,
      $metadata: {},
    };
  }

  deleteSchedule(input: DeleteScheduleCommandInput): Record<string, never> {
    if (!this.schedules.delete(SimulatedScheduler.key(input.GroupName, input.Name))) throw this.notFound(input.GroupName, input.Name);
    return {};
  }

  listSchedules(input: ListSchedulesCommandInput): { Schedules: ScheduleSummary[]; NextToken?: string } {
    const all = [...this.schedules.values()]
      .filter((schedule) => input.GroupName === undefined || schedule.groupName === input.GroupName)
      .filter((schedule) => input.NamePrefix === undefined || schedule.name.startsWith(input.NamePrefix))
      .filter((schedule) => input.State === undefined || schedule.state === input.State)
      .sort((a, b) => a.arn.localeCompare(b.arn));
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    const limit = input.MaxResults ?? 100;
    const page = all.slice(start, start + limit).map((schedule) => ({
      Arn: schedule.arn,
      Name: schedule.name,
      GroupName: schedule.groupName,
      State: schedule.state,
      CreationDate: schedule.createdAt,
      LastModificationDate: schedule.createdAt,
      Target: { Arn: schedule.target.Arn },
    }));
    return { Schedules: page, ...(start + limit < all.length ? { NextToken: String(start + limit) } : {}) };
  }

  // ---- the world's helpers --------------------------------------------------------------------

  private view(schedule: StoredSchedule): ScheduleView {
    return {
      name: schedule.name,
      groupName: schedule.groupName,
      at: new Date(schedule.at),
      input: parseInput(schedule.target.Input),
      targetArn: schedule.target.Arn ?? '',
      roleArn: schedule.target.RoleArn ?? '',
      actionAfterCompletion: schedule.actionAfterCompletion,
      state: schedule.state,
    };
  }

  /** Every schedule, soonest first. */
  all(): ScheduleView[] {
    return [...this.schedules.values()].sort((a, b) => a.at.getTime() - b.at.getTime()).map((schedule) => this.view(schedule));
  }

  /** The enabled schedules whose time has come by `now` and that have not run, soonest first. */
  due(now: Date): ScheduleView[] {
    return [...this.schedules.values()]
      .filter((schedule) => !schedule.completed && schedule.state === 'ENABLED' && schedule.at.getTime() <= now.getTime())
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((schedule) => this.view(schedule));
  }

  /** The one-time schedule ran: with ActionAfterCompletion DELETE it is gone, otherwise kept and never due again. */
  complete(name: string, groupName = DEFAULT_GROUP): ScheduleView {
    const key = SimulatedScheduler.key(groupName, name);
    const schedule = this.schedules.get(key);
    if (schedule === undefined) throw new Error(`the world has no schedule ${groupName}/${name}`);
    if (schedule.completed) throw new Error(`schedule ${groupName}/${name} already ran`);
    if (schedule.actionAfterCompletion === 'DELETE') this.schedules.delete(key);
    else schedule.completed = true;
    return this.view(schedule);
  }
}
