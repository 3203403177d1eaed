import { UpdateIPSetCommand, WAFLimitsExceededException, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  canonicalCidr,
  CLOUDFRONT_WAF_REGION,
  holdsCidr,
  IpSetEditor,
  wafClientProvider,
} from '../../../../lambdas/shared/waf/ip-set-editor.js';
import { rejectionOf, throttlingError } from '../../harness.js';
import { declaredIpSet, fakeWaf, ipSetState } from './fake-waf.js';

const ipSet = declaredIpSet();
const noWait = async () => {};

function editorOver(state = ipSetState()) {
  const client = new WAFV2Client({ region: 'eu-west-1' });
  const waf = fakeWaf(client, { [ipSet.id]: state });
  const editor = new IpSetEditor(() => client, { maxAttempts: 3, backoff: noWait });
  return { waf, editor, state };
}

describe('canonicalCidr', () => {
  it('writes IPv6 compressed and lower-case, IPv4 as is', () => {
    expect(canonicalCidr('2001:DB8:0:0:0:0:0:1/128')).toBe('2001:db8::1/128');
    expect(canonicalCidr('198.51.100.7/32')).toBe('198.51.100.7/32');
    expect(canonicalCidr('not-an-address/32')).toBeUndefined();
  });

  it('finds an address in the set however either side spells it', () => {
    expect(holdsCidr(['2001:0db8::0001/128'], '2001:db8::1/128')).toBe(true);
    expect(holdsCidr(['198.51.100.0/24'], '198.51.100.7/32')).toBe(false);
  });
});

describe('IpSetEditor', () => {
  it('adds with the lock token of its read and keeps the description', async () => {
    // Prepare
    const { waf, editor, state } = editorOver(ipSetState(['203.0.113.9/32']));

    // Act
    const result = await editor.add(ipSet, '198.51.100.7/32');

    // Assess
    expect(result).toEqual({ changed: true, sizeBefore: 1, sizeAfter: 2, attempts: 1 });
    expect(waf.commandCalls(UpdateIPSetCommand)[0]!.args[0].input).toEqual({
      Name: ipSet.name,
      Id: ipSet.id,
      Scope: 'REGIONAL',
      Addresses: ['203.0.113.9/32', '198.51.100.7/32'],
      LockToken: `${ipSet.id}-token-1`,
      Description: 'Blocked by the self-healing system',
    });
    expect(state.addresses).toEqual(['203.0.113.9/32', '198.51.100.7/32']);
  });

  it('on a stale lock token, starts over from a fresh read and keeps the other writer\'s change', async () => {
    // Prepare: another writer adds an address just before our first write lands.
    const state = ipSetState(['203.0.113.9/32'], {
      beforeUpdate: (current, call) => {
        if (call === 1) {
          current.addresses.push('192.0.2.44/32');
          current.version += 1;
        }
      },
    });
    const { waf, editor } = editorOver(state);

    // Act
    const result = await editor.add(ipSet, '198.51.100.7/32');

    // Assess
    expect(result).toMatchObject({ changed: true, attempts: 2 });
    const updates = waf.commandCalls(UpdateIPSetCommand);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.args[0].input.LockToken).toBe(`${ipSet.id}-token-2`);
    expect(state.addresses).toEqual(['203.0.113.9/32', '192.0.2.44/32', '198.51.100.7/32']);
  });

  it('gives up with WafLockContentionError when every attempt meets a stale token', async () => {
    // Prepare
    const state = ipSetState([], {
      beforeUpdate: (current) => {
        current.version += 1;
      },
    });
    const { waf, editor } = editorOver(state);

    // Act
    const error = await rejectionOf(editor.add(ipSet, '198.51.100.7/32'));

    // Assess
    expect(error.name).toBe('WafLockContentionError');
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(3);
    expect(state.addresses).toEqual([]);
  });

  it('does not write when the address is already there', async () => {
    const { waf, editor } = editorOver(ipSetState(['198.51.100.7/32']));
    await expect(editor.add(ipSet, '198.51.100.7/32')).resolves.toMatchObject({ changed: false });
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
  });

  it('refuses through the check on the fresh read, before writing', async () => {
    const { waf, editor } = editorOver(ipSetState(['203.0.113.9/32']));
    const error = await rejectionOf(
      editor.add(ipSet, '198.51.100.7/32', () => {
        throw new Error('too full');
      }),
    );
    expect(error.message).toBe('too full');
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
  });

  it('removes exactly the address, in any spelling, and nothing else', async () => {
    // Prepare
    const { editor, state } = editorOver(ipSetState(['2001:0db8::0001/128', '2001:db8::2/128', '2001:db8::/64'], { addressVersion: 'IPV6' }));

    // Act
    const result = await editor.remove(ipSet, '2001:db8::1/128');

    // Assess
    expect(result).toMatchObject({ changed: true, sizeBefore: 3, sizeAfter: 2 });
    expect(state.addresses).toEqual(['2001:db8::2/128', '2001:db8::/64']);
  });

  it('removing an absent address is fine and writes nothing', async () => {
    const { waf, editor } = editorOver(ipSetState(['203.0.113.9/32']));
    await expect(editor.remove(ipSet, '198.51.100.7/32')).resolves.toMatchObject({ changed: false });
    expect(waf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
  });

  it('removes with lock-token retry too', async () => {
    const state = ipSetState(['198.51.100.7/32'], {
      beforeUpdate: (current, call) => {
        if (call === 1) {
          current.addresses.push('192.0.2.44/32');
          current.version += 1;
        }
      },
    });
    const { editor } = editorOver(state);
    await expect(editor.remove(ipSet, '198.51.100.7/32')).resolves.toMatchObject({ changed: true, attempts: 2 });
    expect(state.addresses).toEqual(['192.0.2.44/32']);
  });

  it('reports a missing IP set as TargetNotFoundError', async () => {
    const client = new WAFV2Client({ region: 'eu-west-1' });
    fakeWaf(client, {});
    const editor = new IpSetEditor(() => client);
    expect((await rejectionOf(editor.read(ipSet))).name).toBe('TargetNotFoundError');
  });

  it('turns WAF\'s own limit refusal into IpSetNearQuotaError', async () => {
    const { waf, editor } = editorOver();
    waf.on(UpdateIPSetCommand).rejects(new WAFLimitsExceededException({ message: 'too many addresses', $metadata: { httpStatusCode: 400 } }));
    expect((await rejectionOf(editor.add(ipSet, '198.51.100.7/32'))).name).toBe('IpSetNearQuotaError');
  });

  it('re-throws throttling as TransientAwsError', async () => {
    const { waf, editor } = editorOver();
    waf.on(UpdateIPSetCommand).rejects(throttlingError());
    expect((await rejectionOf(editor.add(ipSet, '198.51.100.7/32'))).name).toBe('TransientAwsError');
  });
});

describe('wafClientProvider', () => {
  it('reaches CLOUDFRONT IP sets through us-east-1 and REGIONAL ones in the stack\'s region, one client each', async () => {
    // Prepare
    const created: string[] = [];
    const clients = wafClientProvider('eu-west-1', (region) => {
      created.push(region);
      return new WAFV2Client({ region });
    });

    // Act
    const cloudFront = clients('CLOUDFRONT');
    const regional = clients('REGIONAL');

    // Assess
    expect(await cloudFront.config.region()).toBe(CLOUDFRONT_WAF_REGION);
    expect(await regional.config.region()).toBe('eu-west-1');
    expect(clients('CLOUDFRONT')).toBe(cloudFront);
    expect(created).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('edits a CLOUDFRONT set with the us-east-1 client only', async () => {
    // Prepare
    const regional = new WAFV2Client({ region: 'eu-west-1' });
    const global = new WAFV2Client({ region: 'us-east-1' });
    const cloudFrontSet = declaredIpSet({ scope: 'CLOUDFRONT' });
    const regionalWaf = mockClient(regional);
    const globalWaf = fakeWaf(global, { [cloudFrontSet.id]: ipSetState() });
    const editor = new IpSetEditor((scope) => (scope === 'CLOUDFRONT' ? global : regional));

    // Act
    await editor.add(cloudFrontSet, '198.51.100.7/32');

    // Assess
    expect(globalWaf.commandCalls(UpdateIPSetCommand)[0]!.args[0].input.Scope).toBe('CLOUDFRONT');
    expect(regionalWaf.calls()).toHaveLength(0);
  });
});
