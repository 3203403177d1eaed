import fc from 'fast-check';

/**
 * Generators for hostile input: values no handler should accept, and
 * mutations that break a valid fixture at a random depth. Everything here
 * is plain data, as Lambda hands a handler its parsed JSON event.
 */

/** Keys that try to reach an object's prototype. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/** A string of `length` characters built from `unit`, up to 100 KB. */
const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('A', '9', '€', '𝄞', '\u0000', '%', '<script>', ' '))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** An object nested `depth` levels deep: `{ a: { a: … } }` or `[[[…]]]`. */
const deeplyNested = fc.tuple(fc.integer({ min: 20, max: 1_000 }), fc.boolean()).map(([depth, asArray]) => {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = asArray ? [value] : { a: value };
  return value;
});

/** `{ "__proto__": … }` as JSON.parse builds it: an own property, not a prototype change. */
const pollutingObject = fc
  .tuple(fc.constantFrom(...POLLUTING_KEYS), fc.jsonValue({ maxDepth: 2 }))
  .map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value) ?? 'null'}, "polluted": true}`) as unknown);

const oddScalars = fc.constantFrom<unknown>(
  null,
  undefined,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '0x1F',
  '-0',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '2026-13-45T25:61:61Z',
  '2026-11-27T10:00:00.000Z',
  '../../etc/passwd',
  "'; DROP TABLE incidents; --",
  '${jndi:ldap://x}',
  '\u202e\u0000\ud800',
  [],
  {},
  [null],
  [[]],
);

/** A value of a random, mostly wrong, kind: what a broken or hostile sender puts in a field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: oddScalars },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double()) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: pollutingObject },
  { weight: 1, arbitrary: fc.array(fc.constant('x'), { minLength: 1_000, maxLength: 5_000 }) },
);

type Container = Record<string, unknown> | unknown[];
type Slot = { parent: Container; key: string | number } | { parent: undefined; key: undefined };

function slotsOf(root: unknown): Slot[] {
  const slots: Slot[] = [{ parent: undefined, key: undefined }];
  const walk = (value: unknown, depth: number) => {
    if (depth > 12 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        slots.push({ parent: value, key: index });
        walk(item, depth + 1);
      });
      return;
    }
    for (const key of Object.keys(value)) {
      slots.push({ parent: value as Record<string, unknown>, key });
      walk((value as Record<string, unknown>)[key], depth + 1);
    }
  };
  walk(root, 0);
  return slots;
}

/** The same data as another type: what a sender that got the contract wrong would send. */
function retyped(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? 0 : Number.isNaN(Number(value)) ? [value] : Number(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 1;
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, index) => [String(index), item]));
  if (value !== null && typeof value === 'object') return Object.entries(value);
  return value === null ? {} : null;
}

const MUTATIONS = ['drop', 'replace', 'retype', 'pollute', 'nest', 'wrap'] as const;

interface Mutation {
  at: number;
  kind: (typeof MUTATIONS)[number];
  value: unknown;
  key: (typeof POLLUTING_KEYS)[number];
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom(...MUTATIONS),
  value: hostileValue,
  key: fc.constantFrom(...POLLUTING_KEYS),
});

function applyMutation(root: unknown, mutation: Mutation): unknown {
  const slots = slotsOf(root);
  const slot = slots[mutation.at % slots.length]!;
  const current = slot.parent === undefined ? root : (slot.parent as Record<string | number, unknown>)[slot.key];
  let next: unknown;
  switch (mutation.kind) {
    case 'drop':
      if (slot.parent === undefined) return undefined;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return root;
    case 'replace':
      next = mutation.value;
      break;
    case 'retype':
      next = retyped(current);
      break;
    case 'pollute': {
      // An own key, as JSON.parse makes one: assignment would change the prototype instead.
      const target = current !== null && typeof current === 'object' && !Array.isArray(current) ? current : {};
      Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, writable: true, configurable: true });
      next = target;
      break;
    }
    case 'nest':
      next = { value: current, nested: { value: current } };
      break;
    case 'wrap':
      next = [current];
      break;
  }
  if (slot.parent === undefined) return next;
  (slot.parent as Record<string | number, unknown>)[slot.key] = next;
  return root;
}

/** A valid fixture broken by one to four mutations at random depths. */
export function mutationsOf(valid: () => unknown): fc.Arbitrary<unknown> {
  return fc
    .array(mutationArb, { minLength: 1, maxLength: 4 })
    .map((mutations) => mutations.reduce<unknown>((event, mutation) => applyMutation(event, mutation), structuredClone(valid())));
}

/**
 * Mutated fixtures most of the time; now and then anything at all. Several
 * valid fixtures (an action's `apply` and `undo`, each kind of detection)
 * are mutated in turn, so every branch of a union is broken somewhere.
 */
export function hostileInputsFor(valid: (() => unknown) | ReadonlyArray<() => unknown>): fc.Arbitrary<unknown> {
  const seeds = typeof valid === 'function' ? [valid] : valid;
  const mutated = seeds.length === 1 ? mutationsOf(seeds[0]!) : fc.constantFrom(...seeds).chain((seed) => mutationsOf(seed));
  return fc.oneof(
    { weight: 8, arbitrary: mutated },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: hostileValue },
  );
}
