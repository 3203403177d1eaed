import { createHash } from 'node:crypto';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { isSingleHost, NON_PUBLIC_RANGES, parseCidr, protectedRanges } from '../addresses.js';
import type { ActionParams } from '../actions/catalog.js';
import type { ActionExecutor, ApplyContext, UndoContext } from '../actions/executor.js';
import { OutOfScopeError, TargetNotFoundError } from '../errors.js';
import { BlockExpiry, type ScheduleSettings, scheduleNameOf, type UnblockInput } from './block-expiry.js';
import { type BlockCaps, type BlockLedger, type BlockRecord, checkCaps, type RemovalCause } from './block-ledger.js';
import {
  canonicalCidr,
  type DeclaredIpSet,
  holdsCidr,
  IpSetEditor,
  type IpSetEditorOptions,
  type IpSetSnapshot,
  WAF_IP_SET_MAX_ADDRESSES,
  type WafClientProvider,
} from './ip-set-editor.js';
import { BlockLimitReachedError, IpSetNearQuotaError, IpSetNotDeclaredError, ProtectedAddressError, WafLockContentionError } from './waf-errors.js';

export type BlockIpParams = ActionParams<'blockIpInWaf'>;

/** The IP set before the action, for the audit record. */
export interface BlockIpBefore {
  ipSet: DeclaredIpSet;
  /** The address, in the spelling written to the set. */
  cidr: string;
  /** Whether the set already held the address; then the block is not this system's and undo leaves it. */
  present: boolean;
  size: number;
  addressVersion: 'IPV4' | 'IPV6';
  lockToken: string;
}

/** What `apply` did. */
export interface BlockIpApplied {
  blockId: string;
  /** True only when this system added the address; only then does undo (or expiry) remove it. */
  changed: boolean;
  outcome: 'blocked' | 'already-present' | 'already-removed';
  ipSet: DeclaredIpSet;
  cidr: string;
  /** When the block ends (ISO), for a block this system added. */
  expiresAt?: string;
  scheduleName?: string;
  summary: string;
}

/** What an undo or an expiry did. */
export interface UnblockResult extends Record<string, unknown> {
  /** True when this call took the address out of the set. */
  removed: boolean;
  blockId?: string;
  cidr: string;
  ipSet: string;
  summary: string;
  removedAt?: string;
  removedBecause?: RemovalCause;
}

export interface BlockIpLimits extends BlockCaps {
  /**
   * Share of the IP set's quota (10,000 addresses) from which the set counts as near full and new blocks are refused.
   * @default 0.95
   */
  readonly nearQuotaFraction?: number;
}

export interface BlockIpExecutorProps {
  /** The WAFv2 client per scope (CLOUDFRONT in us-east-1): see `wafClientProvider`. */
  readonly wafClients: WafClientProvider;
  readonly scheduler: SchedulerClient;
  readonly ledger: BlockLedger;
  /** The only IP sets actions may write to. */
  readonly ipSets: readonly DeclaredIpSet[];
  readonly limits: BlockIpLimits;
  readonly schedule: ScheduleSettings;
  /**
   * Ranges that may never be blocked, on top of the non-public ranges.
   * @default []
   */
  readonly protectedCidrs?: readonly string[];
  /** Lock-token retry settings of the IP set edits. */
  readonly editor?: IpSetEditorOptions;
}

/** The block's id: the same for the same incident, attempt, IP set and address, so retries find their own work. */
export function blockIdOf(incidentId: string, attempt: number, ipSet: Pick<DeclaredIpSet, 'scope' | 'id'>, cidr: string): string {
  const digest = createHash('sha256').update(JSON.stringify([incidentId, attempt, ipSet.scope, ipSet.id, cidr])).digest('hex');
  return `blk-${digest.slice(0, 28)}`;
}

const REASON_LIMIT = 2_000;

/**
 * `blockIpInWaf`: adds one address to a declared WAF IP set for a limited
 * time. Apply goes: check the address → read the set → record the block →
 * claim a cap slot → schedule its expiry → add the address. Each step is
 * idempotent, so a retried apply finishes what an interrupted one started,
 * and every block that can reach the set has its expiry scheduled first.
 * An address that was in the set already is left alone: the block is a
 * no-op, and neither undo nor expiry removes it.
 */
export class BlockIpExecutor implements ActionExecutor<BlockIpParams, BlockIpBefore, BlockIpApplied> {
  private readonly editor: IpSetEditor;
  private readonly expiry: BlockExpiry;
  private readonly ledger: BlockLedger;
  private readonly ipSets: readonly DeclaredIpSet[];
  private readonly caps: BlockCaps;
  private readonly nearQuotaAt: number;
  private readonly guarded: ReturnType<typeof protectedRanges>;
  private readonly nonPublic: ReturnType<typeof protectedRanges>;

  constructor(props: BlockIpExecutorProps) {
    this.editor = new IpSetEditor(props.wafClients, props.editor);
    this.expiry = new BlockExpiry(props.scheduler, props.schedule);
    this.ledger = props.ledger;
    this.ipSets = props.ipSets;
    this.caps = { maxPerHour: props.limits.maxPerHour, maxTotal: props.limits.maxTotal };
    checkCaps(this.caps);
    const fraction = props.limits.nearQuotaFraction ?? 0.95;
    if (!(fraction > 0 && fraction <= 1)) throw new Error(`nearQuotaFraction must be in (0, 1], got ${fraction}`);
    this.nearQuotaAt = Math.floor(WAF_IP_SET_MAX_ADDRESSES * fraction);
    this.guarded = protectedRanges(props.protectedCidrs ?? []);
    // A typo in a protected range must not silently unprotect it.
    if (this.guarded.invalid.length > 0) throw new Error(`unparseable protected ranges: ${this.guarded.invalid.join(', ')}`);
    this.nonPublic = protectedRanges(NON_PUBLIC_RANGES);
    const seen = new Set<string>();
    for (const ipSet of props.ipSets) {
      const key = `${ipSet.scope}/${ipSet.name}`;
      if (seen.has(key)) throw new Error(`IP set ${key} is declared twice`);
      seen.add(key);
    }
  }

  async readBefore(params: BlockIpParams): Promise<BlockIpBefore> {
    const ipSet = this.declared(params.ipSetName, params.scope);
    const cidr = this.blockable(params.cidr);
    const snapshot = await this.editor.read(ipSet);
    return {
      ipSet,
      cidr,
      present: holdsCidr(snapshot.addresses, cidr),
      size: snapshot.addresses.length,
      addressVersion: snapshot.addressVersion,
      lockToken: snapshot.lockToken,
    };
  }

  async apply(params: BlockIpParams, _before: BlockIpBefore, context: ApplyContext): Promise<BlockIpApplied> {
    const ipSet = this.declared(params.ipSetName, params.scope);
    const cidr = this.blockable(params.cidr);
    const blockId = blockIdOf(context.incidentId, context.attempt, ipSet, cidr);

    const existing = await this.ledger.get(ipSet, blockId);
    if (existing?.status === 'active' || existing?.status === 'removed' || existing?.status === 'skipped') {
      return appliedFrom(existing);
    }

    const snapshot = await this.editor.read(ipSet);
    this.checkFamily(ipSet, cidr, snapshot);
    if (holdsCidr(snapshot.addresses, cidr)) {
      // An earlier try that claimed its slot got as far as the write: the address is this system's.
      if (existing !== undefined && (await this.ledger.holdsSlot(ipSet, blockId))) {
        return this.confirm(existing, context.now, false);
      }
      if (existing !== undefined) {
        await this.ledger.markNotApplied(ipSet, blockId, 'skipped', `${cidr} was already in the IP set`, context.now);
      }
      return {
        blockId,
        changed: false,
        outcome: 'already-present',
        ipSet,
        cidr,
        summary: `${cidr} is already in ${ipSet.scope}/${ipSet.name}; nothing added, and undo will not remove it`,
      };
    }
    try {
      this.checkQuota(ipSet, snapshot);
    } catch (error) {
      if (existing !== undefined) await this.abandon(existing, 'failed', error as Error, context.now);
      throw error;
    }

    const { record } = existing === undefined
      ? await this.ledger.create({
          blockId,
          ipSet,
          cidr,
          incidentId: context.incidentId,
          attempt: context.attempt,
          reason: context.reason.slice(0, REASON_LIMIT),
          requestedAt: context.now.toISOString(),
          expiresAt: new Date(context.now.getTime() + params.durationMinutes * 60_000).toISOString(),
          durationMinutes: params.durationMinutes,
          scheduleName: scheduleNameOf(blockId),
        })
      : { record: existing };

    try {
      await this.ledger.claim(ipSet, blockId, this.caps, new Date(record.expiresAt), context.now);
    } catch (error) {
      if (error instanceof BlockLimitReachedError) {
        await this.ledger.markNotApplied(ipSet, blockId, 'refused', `${error.name}: ${error.message}`, context.now);
      }
      throw error;
    }
    await this.scheduleExpiry(record, context.now);

    let added;
    try {
      added = await this.editor.add(ipSet, cidr, (fresh) => {
        this.checkFamily(ipSet, cidr, fresh);
        this.checkQuota(ipSet, fresh);
      });
    } catch (error) {
      if (isRefusal(error)) await this.abandon(record, 'failed', error, context.now);
      // Anything else (transient) leaves the block pending: a retry finishes it, or its expiry cleans up.
      throw error;
    }
    if (!added.changed) {
      // Someone else added it between the read and the write: theirs, not ours.
      await this.abandon(record, 'skipped', new Error(`${cidr} appeared in the IP set before this block was written`), context.now);
      return {
        blockId,
        changed: false,
        outcome: 'already-present',
        ipSet,
        cidr,
        summary: `${cidr} was added to ${ipSet.scope}/${ipSet.name} by someone else meanwhile; nothing added, and undo will not remove it`,
      };
    }
    return this.confirm(record, context.now, true);
  }

  /**
   * Removes the address only when `apply` added it (`applied.changed`). That,
   * not `before.present`, decides: an address someone removed between the
   * before-read and the apply was added by this system and is its to remove.
   */
  async undo(params: BlockIpParams, _before: BlockIpBefore, applied: BlockIpApplied, context: UndoContext): Promise<UnblockResult> {
    const ipSet = this.declared(params.ipSetName, params.scope);
    if (!applied.changed) {
      return {
        removed: false,
        blockId: applied.blockId,
        cidr: applied.cidr,
        ipSet: `${ipSet.scope}/${ipSet.name}`,
        summary: `${applied.cidr} was not added by this system; left in place`,
      };
    }
    return this.unblock(ipSet, applied.blockId, 'undone', context.now, context.incidentId);
  }

  /** Ends a block whose time is up; what the expiry schedule's target calls. Idempotent, like undo. */
  async expire(input: UnblockInput, now: Date): Promise<UnblockResult> {
    const ipSet = this.ipSets.find((candidate) => candidate.scope === input.ipSet.scope && candidate.id === input.ipSet.id);
    if (ipSet === undefined) {
      throw new IpSetNotDeclaredError(`IP set ${input.ipSet.scope}/${input.ipSet.name} (${input.ipSet.id}) is not declared`);
    }
    return this.unblock(ipSet, input.blockId, 'expired', now, undefined, input.cidr);
  }

  /** Takes the block's address out of the set, when this system put it there, and records why. */
  private async unblock(
    ipSet: DeclaredIpSet,
    blockId: string,
    because: RemovalCause,
    now: Date,
    incidentId?: string,
    cidr?: string,
  ): Promise<UnblockResult> {
    const where = `${ipSet.scope}/${ipSet.name}`;
    const record = await this.ledger.get(ipSet, blockId);
    if (record === undefined) {
      return { removed: false, blockId, cidr: cidr ?? '', ipSet: where, summary: `no record of block ${blockId}; nothing removed` };
    }
    if (incidentId !== undefined && record.incidentId !== incidentId) {
      throw new OutOfScopeError(`block ${blockId} belongs to incident ${record.incidentId}, not ${incidentId}`);
    }
    if (cidr !== undefined && canonicalCidr(cidr) !== record.cidr) {
      throw new OutOfScopeError(`block ${blockId} is of ${record.cidr}, not ${cidr}`);
    }
    const base = { blockId, cidr: record.cidr, ipSet: where };
    if (record.status === 'removed') {
      return {
        ...base,
        removed: false,
        summary: `${record.cidr} was already removed (${record.removedBecause}) at ${record.removedAt}`,
        ...(record.removedAt === undefined ? {} : { removedAt: record.removedAt }),
        ...(record.removedBecause === undefined ? {} : { removedBecause: record.removedBecause }),
      };
    }
    // A pending block without a slot never got as far as the write: anything in the set under its address is someone else's.
    const ours = record.status === 'active' || (record.status === 'pending' && (await this.ledger.holdsSlot(ipSet, blockId)));
    if (!ours) {
      if (because === 'undone') await this.expiry.cancel(blockId);
      return { ...base, removed: false, summary: `block ${blockId} never reached the IP set (${record.status}); nothing removed` };
    }

    const result = await this.editor.remove(ipSet, record.cidr);
    const marked = await this.ledger.markRemoved(ipSet, blockId, because, now);
    await this.ledger.release(ipSet, blockId, { fromLastHour: false }, now);
    if (because === 'undone') await this.expiry.cancel(blockId);
    return {
      ...base,
      removed: result.changed,
      summary: result.changed
        ? `removed ${record.cidr} from ${where} (${because})`
        : `${record.cidr} was no longer in ${where}; block recorded as ${because}`,
      ...(marked.record.removedAt === undefined ? {} : { removedAt: marked.record.removedAt }),
      removedBecause: marked.record.removedBecause ?? because,
    };
  }

  /** Finishes a block whose address is in the set: expiry scheduled (unless this try already did), record active. */
  private async confirm(record: BlockRecord, now: Date, scheduled: boolean): Promise<BlockIpApplied> {
    const scheduleName = scheduled ? scheduleNameOf(record.blockId) : await this.scheduleExpiry(record, now);
    const active = await this.ledger.markActive(record.ipSet, record.blockId, { scheduleName }, now);
    return appliedFrom(active);
  }

  private async scheduleExpiry(record: BlockRecord, now: Date): Promise<string> {
    // A retry long after the first try still gets a schedule Scheduler accepts (in the future).
    const at = new Date(Math.max(new Date(record.expiresAt).getTime(), now.getTime() + 60_000));
    const { scheduleName } = await this.expiry.schedule(
      {
        action: 'unblockIpInWaf',
        blockId: record.blockId,
        ipSet: { name: record.ipSet.name, id: record.ipSet.id, scope: record.ipSet.scope },
        cidr: record.cidr,
      },
      at,
      `Unblock ${record.cidr} in WAF IP set ${record.ipSet.scope}/${record.ipSet.name} (incident ${record.incidentId})`,
    );
    return scheduleName;
  }

  /** The block will not reach the set: record why, free its slot (and its hour), drop its schedule. */
  private async abandon(record: BlockRecord, status: 'failed' | 'skipped', error: Error, now: Date): Promise<void> {
    await this.ledger.markNotApplied(record.ipSet, record.blockId, status, `${error.name}: ${error.message}`, now);
    await this.ledger.release(record.ipSet, record.blockId, { fromLastHour: true }, now);
    await this.expiry.cancel(record.blockId);
  }

  private declared(name: string, scope: DeclaredIpSet['scope']): DeclaredIpSet {
    const ipSet = this.ipSets.find((candidate) => candidate.name === name && candidate.scope === scope);
    if (ipSet === undefined) {
      const known = this.ipSets.map((candidate) => `${candidate.scope}/${candidate.name}`).join(', ') || 'none';
      throw new IpSetNotDeclaredError(`IP set ${scope}/${name} is not declared (declared: ${known})`);
    }
    return ipSet;
  }

  /** The address in canonical form, when it is one public host outside every protected range. */
  private blockable(cidr: string): string {
    const parsed = parseCidr(cidr);
    if (parsed === undefined || !isSingleHost(cidr)) {
      throw new OutOfScopeError(`${cidr} is not a single address; only /32 (IPv4) or /128 (IPv6) may be blocked`);
    }
    const protectedBy = this.guarded.contains(parsed.address);
    if (protectedBy !== undefined) throw new ProtectedAddressError(`${cidr} is inside protected range ${protectedBy}`);
    const nonPublicBy = this.nonPublic.contains(parsed.address);
    if (nonPublicBy !== undefined) throw new ProtectedAddressError(`${cidr} is inside non-public range ${nonPublicBy}`);
    return canonicalCidr(cidr)!;
  }

  private checkFamily(ipSet: DeclaredIpSet, cidr: string, snapshot: IpSetSnapshot): void {
    const wanted = cidr.endsWith('/128') ? 'IPV6' : 'IPV4';
    if (snapshot.addressVersion !== wanted) {
      throw new OutOfScopeError(`${ipSet.scope}/${ipSet.name} holds ${snapshot.addressVersion} addresses; ${cidr} is ${wanted}`);
    }
  }

  private checkQuota(ipSet: DeclaredIpSet, snapshot: IpSetSnapshot): void {
    const size = snapshot.addresses.length;
    if (size >= this.nearQuotaAt) {
      throw new IpSetNearQuotaError(
        `${ipSet.scope}/${ipSet.name} holds ${size} of ${WAF_IP_SET_MAX_ADDRESSES} addresses (refusing from ${this.nearQuotaAt}); no entry is evicted`,
      );
    }
  }
}

/** Errors that mean the address will not reach the set on a retry either. */
function isRefusal(error: unknown): error is Error {
  return (
    error instanceof IpSetNearQuotaError ||
    error instanceof WafLockContentionError ||
    error instanceof TargetNotFoundError ||
    error instanceof OutOfScopeError
  );
}

function appliedFrom(record: BlockRecord): BlockIpApplied {
  const where = `${record.ipSet.scope}/${record.ipSet.name}`;
  const common = { blockId: record.blockId, ipSet: record.ipSet, cidr: record.cidr };
  switch (record.status) {
    case 'skipped':
      return { ...common, changed: false, outcome: 'already-present', summary: `${record.cidr} was already in ${where}; nothing added` };
    case 'removed':
      return {
        ...common,
        changed: true,
        outcome: 'already-removed',
        expiresAt: record.expiresAt,
        ...(record.scheduleName === undefined ? {} : { scheduleName: record.scheduleName }),
        summary: `${record.cidr} was blocked in ${where} and has since been removed (${record.removedBecause})`,
      };
    default:
      return {
        ...common,
        changed: true,
        outcome: 'blocked',
        expiresAt: record.expiresAt,
        ...(record.scheduleName === undefined ? {} : { scheduleName: record.scheduleName }),
        summary: `blocked ${record.cidr} in ${where} until ${record.expiresAt}`,
      };
  }
}
