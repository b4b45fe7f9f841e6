/**
 * A columnar encoding for batches of flat records, the commonest item (`{ path, type, depth }`).
 *
 * Deserialising a structured clone of an object re-reads and re-interns every key of every object, which
 * is most of its cost on the main thread. A batch whose items are all plain objects with the same keys and
 * primitive values goes instead as its keys once and its values in one flat array, and the main thread
 * rebuilds the objects with a constructor specialised to those keys: about a third of the cost.
 *
 * The result is exactly what structured clone would give (a plain object with the same own enumerable
 * string keys, in the same order, with the same primitive values, including `undefined`, `-0`, `NaN` and
 * bigints); anything else — nested objects, arrays, class instances, differing keys — is sent by
 * structured clone as before. Both threads import this file.
 * @internal
 * @module
 */

/** A batch of flat records: `values` holds `keys.length` values per item, item after item. */
export interface Records {
  readonly keys: string[];
  readonly values: unknown[];
}

const MAX_KEYS = 64;

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return type === 'object' ? value === null : type !== 'function' && type !== 'symbol';
}

function isPlain(item: unknown): item is Record<string, unknown> {
  if (typeof item !== 'object' || item === null) return false;
  const prototype = Object.getPrototypeOf(item);
  return prototype === Object.prototype || prototype === null;
}

/** The batch as records, or null when structured clone must carry it. Never throws. */
export function encodeRecords(items: readonly unknown[]): Records | null {
  const first = items[0];
  if (!isPlain(first)) return null;
  const keys = Object.keys(first);
  const width = keys.length;
  // A literal `__proto__` key would set the prototype in the rebuilding constructor.
  if (width === 0 || width > MAX_KEYS || keys.includes('__proto__')) return null;
  // Filled by push, never preallocated: V8 serialises a holey array (`new Array(n)`) as a sparse one, key
  // by key, which costs both threads about three times as much as a packed one.
  const values: unknown[] = [];
  try {
    for (const item of items) {
      if (!isPlain(item)) return null;
      let column = 0;
      // for-in sees own enumerable string keys in the same order as Object.keys (and inherited ones too,
      // should Object.prototype be polluted: they fail the comparison, which is the safe side).
      for (const key in item) {
        if (column === width || key !== keys[column]) return null;
        const value = item[key];
        if (!isPrimitive(value)) return null;
        values.push(value);
        column++;
      }
      if (column !== width) return null;
    }
  } catch {
    // A getter threw: let structured clone meet the same getter and report it.
    return null;
  }
  return { keys, values };
}

type Build = (values: unknown[], at: number) => Record<string, unknown>;

/** Constructors by key list; a small cache, as most streams have one shape. */
const builders = new Map<string, Build>();
const MAX_BUILDERS = 64;

function compile(keys: readonly string[]): Build {
  const fields = keys.map((key, column) => `${JSON.stringify(key)}: values[at + ${column}]`).join(', ');
  try {
    // An object literal gives every object of the shape the same hidden class from the start.
    return new Function('values', 'at', `return { ${fields} };`) as Build;
  } catch {
    // Code generation disallowed (--disallow-code-generation-from-strings): a plain loop.
    return (values, at) => {
      const record: Record<string, unknown> = {};
      for (let column = 0; column < keys.length; column++) record[keys[column] as string] = values[at + column];
      return record;
    };
  }
}

/** The constructor for `keys`. */
export function builderFor(keys: readonly string[]): Build {
  const id = keys.join('\u0000');
  let build = builders.get(id);
  if (build === undefined) {
    if (builders.size >= MAX_BUILDERS) builders.clear();
    build = compile(keys);
    builders.set(id, build);
  }
  return build;
}
