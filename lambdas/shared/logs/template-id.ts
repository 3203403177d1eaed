/**
 * A template's id: 12 hex characters (48 bits) hashed from the text the
 * template started as. Deriving it from content, not from a counter, means
 * two writers that mine the same new template from the same line give it the
 * same id, and a template that was evicted and comes back gets its old id.
 * 48 bits keep collisions negligible (about 1 in 20 million for 5,000
 * templates); the miner still probes past one (`attempt`) if it happens.
 */
export function templateIdFor(text: string, attempt = 0): string {
  // Two independent 32-bit FNV-1a style lanes with different offsets and primes.
  let high = 0x811c9dc5 ^ attempt;
  let low = 0x01000193 ^ Math.imul(attempt, 0x9e3779b1);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193);
    low = Math.imul(low ^ code, 0x5bd1e995);
  }
  high = finalMix(high);
  low = finalMix(low ^ text.length);
  return hex8(high) + hex8(low).slice(0, 4);
}

/** Spreads every input bit over the output (the usual xor-shift-multiply finalizer). */
function finalMix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const HEX_DIGITS = '0123456789abcdef';

/** Eight hex digits, by hand: `Number#toString(16)` is slow enough to show in the miner's profile. */
function hex8(value: number): string {
  let text = '';
  for (let shift = 28; shift >= 0; shift -= 4) text += HEX_DIGITS[(value >>> shift) & 15];
  return text;
}
