import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { BlockExpiry, type UnblockInput, atExpression, scheduleNameOf } from '../../lambdas/shared/waf/block-expiry.js';
import { SimulatedWorld, type WorldInput, WorldSchema } from '../../local/simulated-world.js';

const settings = {
  groupName: 'self-healing-blocks',
  targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:unblock-ip',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler-invokes-unblock',
};
const unblock = (blockId = 'blk-0123456789abcdef0123456789ab'): UnblockInput => ({
  action: 'unblockIpInWaf',
  blockId,
  ipSet: { name: 'blocked-clients', id: 'a1b2c3d4-0000-4000-8000-000000000001', scope: 'REGIONAL' },
  cidr: '203.0.113.7/32',
});
const at = new Date('2026-11-27T11:00:00.000Z');
const baseCreate = {
  Name: 'one-off',
  GroupName: 'self-healing-blocks',
  ScheduleExpression: 'at(2026-11-27T11:00:00)',
  FlexibleTimeWindow: { Mode: 'OFF' as const },
  Target: { Arn: settings.targetArn, RoleArn: settings.roleArn, Input: '{"hello":"world"}' },
};

describe('simulated EventBridge Scheduler', () => {
  let world: SimulatedWorld | undefined;
  const install = (config: Partial<WorldInput> = {}): SimulatedWorld => {
    world = new SimulatedWorld(WorldSchema.parse({ autoScalingGroups: [], alarms: [], ...config }));
    world.install(() => undefined);
    return world;
  };
  const scheduler = () => new SchedulerClient({ region: 'us-east-1' });
  afterEach(() => {
    world?.uninstall();
    world = undefined;
  });

  it('stores the real BlockExpiry\'s one-time schedule and serves it back with GetSchedule', async () => {
    // Prepare
    const sim = install();
    const expiry = new BlockExpiry(scheduler(), settings);

    // Act
    const scheduled = await expiry.schedule(unblock(), at, 'unblock 203.0.113.7 after a flood');
    const read = await scheduler().send(new GetScheduleCommand({ Name: scheduled.scheduleName, GroupName: settings.groupName }));

    // Assess
    expect(scheduled).toEqual({ scheduleName: scheduleNameOf(unblock().blockId), created: true });
    expect(read).toMatchObject({
      Arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/self-healing-blocks/${scheduled.scheduleName}`,
      Name: scheduled.scheduleName,
      GroupName: 'self-healing-blocks',
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: settings.targetArn, RoleArn: settings.roleArn, Input: JSON.stringify(unblock()) },
    });
    expect(sim.schedules()).toEqual([
      {
        name: scheduled.scheduleName,
        groupName: 'self-healing-blocks',
        at,
        input: unblock(),
        targetArn: settings.targetArn,
        roleArn: settings.roleArn,
        actionAfterCompletion: 'DELETE',
        state: 'ENABLED',
      },
    ]);
  });

  it('tells which schedules are due, and deletes one that ran when its ActionAfterCompletion is DELETE', async () => {
    // Prepare
    const sim = install();
    const expiry = new BlockExpiry(scheduler(), settings);
    await expiry.schedule(unblock('blk-00000000000000000000000000a1'), new Date('2026-11-27T11:00:00Z'), 'first');
    await expiry.schedule(unblock('blk-00000000000000000000000000b2'), new Date('2026-11-27T12:00:00Z'), 'second');

    // Act
    const beforeFirst = sim.dueSchedules(new Date('2026-11-27T10:59:59Z'));
    const atFirst = sim.dueSchedules(new Date('2026-11-27T11:00:00Z'));
    const ran = sim.completeSchedule(atFirst[0]!.name, atFirst[0]!.groupName);
    const afterBoth = sim.dueSchedules(new Date('2026-11-28T00:00:00Z'));

    // Assess
    expect(beforeFirst).toEqual([]);
    expect(atFirst.map((schedule) => (schedule.input as UnblockInput).blockId)).toEqual(['blk-00000000000000000000000000a1']);
    expect(ran.input).toEqual(unblock('blk-00000000000000000000000000a1'));
    expect(afterBoth.map((schedule) => schedule.name)).toEqual([scheduleNameOf('blk-00000000000000000000000000b2')]);
    await expect(scheduler().send(new GetScheduleCommand({ Name: ran.name, GroupName: ran.groupName }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    // The undo of a block whose schedule already ran finds nothing to cancel.
    await expect(expiry.cancel('blk-00000000000000000000000000a1')).resolves.toBe(false);
    await expect(expiry.cancel('blk-00000000000000000000000000b2')).resolves.toBe(true);
    expect(sim.schedules()).toEqual([]);
  });

  it('keeps a schedule that ran with ActionAfterCompletion NONE, never due again', async () => {
    // Prepare
    const sim = install();
    await scheduler().send(new CreateScheduleCommand({ ...baseCreate, ActionAfterCompletion: 'NONE' }));

    // Act
    sim.completeSchedule('one-off', 'self-healing-blocks');

    // Assess
    expect(sim.schedules().map((schedule) => schedule.name)).toEqual(['one-off']);
    expect(sim.dueSchedules(new Date('2030-01-01T00:00:00Z'))).toEqual([]);
    expect(() => sim.completeSchedule('one-off', 'self-healing-blocks')).toThrow(/already ran/);
  });

  it('refuses a second schedule of the same name in a group with ConflictException, unless it is a retry with the same client token', async () => {
    // Prepare
    install();
    await scheduler().send(new CreateScheduleCommand({ ...baseCreate, ClientToken: 'token-1' }));

    // Act
    const retry = await scheduler().send(new CreateScheduleCommand({ ...baseCreate, ClientToken: 'token-1' }));
    const duplicate = await scheduler().send(new CreateScheduleCommand({ ...baseCreate, ClientToken: 'token-2' })).catch((error: unknown) => error);
    const otherGroup = await scheduler().send(new CreateScheduleCommand({ ...baseCreate, GroupName: 'default' }));
    const listed = await scheduler().send(new ListSchedulesCommand({ NamePrefix: 'one' }));

    // Assess
    expect(retry.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:123456789012:schedule/self-healing-blocks/one-off');
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(otherGroup.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:123456789012:schedule/default/one-off');
    expect(listed.Schedules?.map((schedule) => schedule.Arn)).toEqual([otherGroup.ScheduleArn, retry.ScheduleArn]);
  });

  it('answers GetSchedule and DeleteSchedule of a missing schedule with ResourceNotFoundException', async () => {
    // Prepare
    install();

    // Act & Assess
    await expect(scheduler().send(new GetScheduleCommand({ Name: 'nope', GroupName: 'self-healing-blocks' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(scheduler().send(new DeleteScheduleCommand({ Name: 'nope', GroupName: 'self-healing-blocks' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('reads at() in the schedule\'s time zone and refuses what is not a one-time expression', async () => {
    // Prepare
    const sim = install();

    // Act
    await scheduler().send(new CreateScheduleCommand({ ...baseCreate, ScheduleExpressionTimezone: 'Europe/Paris' }));
    const recurring = await scheduler()
      .send(new CreateScheduleCommand({ ...baseCreate, Name: 'every-hour', ScheduleExpression: 'rate(1 hour)' }))
      .catch((error: unknown) => error);
    const badDate = await scheduler()
      .send(new CreateScheduleCommand({ ...baseCreate, Name: 'bad-date', ScheduleExpression: 'at(2026-02-30T10:00:00)' }))
      .catch((error: unknown) => error);

    // Assess
    expect(sim.schedules()[0]?.at).toEqual(new Date('2026-11-27T10:00:00.000Z'));
    expect(recurring).toBeInstanceOf(ValidationException);
    expect(badDate).toBeInstanceOf(ValidationException);
  });

  it('keeps CreateSchedule and DeleteSchedule among the mutating calls chaos may lose the response of', async () => {
    // Prepare
    const sim = install({ chaos: { seed: 3, failureRate: 0, lostResponseRate: 1, errors: ['ThrottlingException'], spare: [] } });

    // Act
    const created = await scheduler().send(new CreateScheduleCommand(baseCreate)).catch((error: unknown) => error);
    const stored = sim.schedules().map((schedule) => schedule.name);
    const deleted = await scheduler().send(new DeleteScheduleCommand({ Name: 'one-off', GroupName: 'self-healing-blocks' })).catch((error: unknown) => error);

    // Assess
    expect((created as Error).name).toBe('InternalFailure');
    expect(stored).toEqual(['one-off']);
    expect((deleted as Error).name).toBe('InternalFailure');
    expect(sim.schedules()).toEqual([]);
  });
});
