import { documentClient, scheduler } from '../shared/clients.js';
import type { Scope } from '../shared/scope.js';
import { BlockIpExecutor, BlockLedger, wafClientProvider } from '../shared/waf/index.js';
import type { WafSettings } from '../shared/waf/waf-settings.js';

/** The `blockIpInWaf` executor over the deployed IP sets, caps and protected ranges. */
export function createBlockIpExecutor(settings: WafSettings, scope: Scope, tableName: string, region: string): BlockIpExecutor {
  return new BlockIpExecutor({
    wafClients: wafClientProvider(region),
    scheduler: scheduler(),
    ledger: new BlockLedger(documentClient(), tableName),
    ipSets: settings.ipSets,
    limits: settings.limits,
    schedule: settings.schedule,
    protectedCidrs: scope.guardrails.protectedCidrs,
  });
}
