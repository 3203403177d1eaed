import {
  GetIPSetCommand,
  type GetIPSetCommandInput,
  UpdateIPSetCommand,
  type UpdateIPSetCommandInput,
  WAFNonexistentItemException,
  WAFOptimisticLockException,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeclaredIpSet } from '../../../../lambdas/shared/waf/ip-set-editor.js';

export const ACCOUNT = '123456789012';

/** An IP set as these tests declare it. */
export function declaredIpSet(overrides: Partial<DeclaredIpSet> = {}): DeclaredIpSet {
  const scope = overrides.scope ?? 'REGIONAL';
  const name = overrides.name ?? 'blocked-clients';
  const id = overrides.id ?? 'a1b2c3d4-0000-4000-8000-000000000001';
  const arn =
    scope === 'CLOUDFRONT'
      ? `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/ipset/${name}/${id}`
      : `arn:aws:wafv2:eu-west-1:${ACCOUNT}:regional/ipset/${name}/${id}`;
  return { name, id, scope, arn, ...overrides };
}

/** The live state of one IP set behind the fake. */
export interface IpSetState {
  addresses: string[];
  addressVersion: 'IPV4' | 'IPV6';
  description?: string;
  version: number;
  /**
   * Runs at the start of each UpdateIPSet, before the lock token is checked:
   * a test changes `state` here (and bumps `version`) to play another writer.
   */
  beforeUpdate?: (state: IpSetState, call: number) => void;
}

export function ipSetState(addresses: string[] = [], overrides: Partial<IpSetState> = {}): IpSetState {
  return { addresses: [...addresses], addressVersion: 'IPV4', description: 'Blocked by the self-healing system', version: 1, ...overrides };
}

const lockToken = (id: string, version: number) => `${id}-token-${version}`;

/**
 * Answers GetIPSet and UpdateIPSet on one WAFv2 client instance the way WAF
 * does: reads hand out a lock token, an update with a stale token fails with
 * WAFOptimisticLockException, a good one replaces the whole list.
 */
export function fakeWaf(client: WAFV2Client, sets: Record<string, IpSetState>) {
  const stub = mockClient(client);
  let updates = 0;
  const find = (input: { Id?: string | undefined; Name?: string | undefined }): IpSetState => {
    const state = sets[input.Id ?? ''];
    if (state === undefined) {
      throw new WAFNonexistentItemException({ message: `no IP set ${input.Name}`, $metadata: { httpStatusCode: 400 } });
    }
    return state;
  };
  stub.on(GetIPSetCommand).callsFake((input: GetIPSetCommandInput) => {
    const state = find(input);
    return {
      IPSet: {
        Name: input.Name,
        Id: input.Id,
        ARN: `arn:${input.Id}`,
        IPAddressVersion: state.addressVersion,
        Addresses: [...state.addresses],
        ...(state.description === undefined ? {} : { Description: state.description }),
      },
      LockToken: lockToken(input.Id ?? '', state.version),
    };
  });
  stub.on(UpdateIPSetCommand).callsFake((input: UpdateIPSetCommandInput) => {
    updates += 1;
    const state = find(input);
    state.beforeUpdate?.(state, updates);
    if (input.LockToken !== lockToken(input.Id ?? '', state.version)) {
      throw new WAFOptimisticLockException({ message: 'stale lock token', $metadata: { httpStatusCode: 400 } });
    }
    state.addresses = [...(input.Addresses ?? [])];
    state.description = input.Description;
    state.version += 1;
    return { NextLockToken: lockToken(input.Id ?? '', state.version) };
  });
  return stub;
}
