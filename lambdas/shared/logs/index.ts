export type { MinedTemplate } from './log-template.js';
export { mergeStates, type MergeStatesOptions } from './merge-states.js';
export {
  emptyState,
  MINER_STATE_VERSION,
  type MinerState,
  MinerStateSchema,
  parseState,
  serializeState,
  type TemplateEntry,
} from './miner-state.js';
export { TemplateMiner, type TemplateMinerOptions } from './template-miner.js';
export { maskLine, WILDCARD } from './tokenize.js';
