/**
 * Carries thrown values across threads without losing what makes them useful.
 *
 * Structured clone keeps an error's `message`, `stack` and `cause` but drops `code`, `errno`, `syscall`,
 * `path`, other own properties, subclass names and `AggregateError.errors` (PITFALLS 1). So errors are
 * taken apart here into a tree of cloneable parts, recursively (causes, aggregated errors, errors held in
 * properties), with back-references so a cyclic `cause` survives, and rebuilt on the other side with the
 * same built-in class. Both threads import this file.
 * @internal
 * @module
 */
import { types } from 'node:util';
import { describe, errors } from './errors.js';

const BUILTINS = {
  AggregateError,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  Error,
} as const;

type BuiltinName = keyof typeof BUILTINS | 'DOMException';

interface SerializedProperty {
  readonly key: string;
  readonly value: SerializedThrown;
  readonly enumerable: boolean;
}

/** A thrown value taken apart into structured-cloneable parts. */
export type SerializedThrown =
  | {
      readonly kind: 'error';
      readonly id: number;
      readonly builtin: BuiltinName;
      readonly name: string;
      readonly nameEnumerable: boolean | null;
      readonly message: string;
      readonly stack: string | undefined;
      readonly cause?: SerializedThrown;
      readonly errors?: SerializedThrown[];
      readonly props: SerializedProperty[];
    }
  | { readonly kind: 'ref'; readonly id: number }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'nullish'; readonly value: null | undefined }
  | { readonly kind: 'uncloneable'; readonly description: string };

/** Own properties rebuilt by the constructor or handled on their own. */
const SPECIAL = new Set(['message', 'stack', 'name', 'cause', 'errors']);

function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

function builtinOf(error: Error): BuiltinName {
  if (typeof DOMException === 'function' && error instanceof DOMException) return 'DOMException';
  for (const [name, Class] of Object.entries(BUILTINS)) {
    if (error instanceof Class) return name as BuiltinName;
  }
  return 'Error';
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function readOwn(object: object, key: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: (object as Record<string, unknown>)[key] };
  } catch {
    return { ok: false };
  }
}

function serializeAny(value: unknown, seen: Map<object, number>): SerializedThrown {
  if (value === null || value === undefined) return { kind: 'nullish', value };
  if (isError(value)) return serializeError(value, seen);
  if (cloneable(value)) return { kind: 'value', value };
  return { kind: 'uncloneable', description: describe(value) };
}

function serializeError(error: Error, seen: Map<object, number>): SerializedThrown {
  const known = seen.get(error);
  if (known !== undefined) return { kind: 'ref', id: known };
  const id = seen.size;
  seen.set(error, id);

  const props: SerializedProperty[] = [];
  for (const key of Object.getOwnPropertyNames(error)) {
    if (SPECIAL.has(key)) continue;
    const read = readOwn(error, key);
    if (!read.ok) continue;
    const value = serializeAny(read.value, seen);
    // "other own properties where they can be cloned": an uncloneable one is left out, not fatal.
    if (value.kind === 'uncloneable') continue;
    const enumerable = Object.getOwnPropertyDescriptor(error, key)?.enumerable ?? true;
    props.push({ key, value, enumerable });
  }
  const nameDescriptor = Object.getOwnPropertyDescriptor(error, 'name');
  const builtin = builtinOf(error);
  const message = readOwn(error, 'message');
  const stack = readOwn(error, 'stack');
  const name = readOwn(error, 'name');
  const cause = Object.hasOwn(error, 'cause') ? readOwn(error, 'cause') : { ok: false as const };
  const causeNode = cause.ok ? serializeAny(cause.value, seen) : undefined;
  const aggregated = builtin === 'AggregateError' ? (error as AggregateError).errors : undefined;
  return {
    kind: 'error',
    id,
    builtin,
    name: name.ok ? String(name.value) : builtin,
    nameEnumerable: nameDescriptor ? (nameDescriptor.enumerable ?? false) : null,
    message: message.ok ? String(message.value ?? '') : '',
    stack: stack.ok && typeof stack.value === 'string' ? stack.value : undefined,
    props,
    ...(causeNode !== undefined && causeNode.kind !== 'uncloneable' ? { cause: causeNode } : {}),
    ...(Array.isArray(aggregated) ? { errors: aggregated.map((inner) => serializeAny(inner, seen)) } : {}),
  };
}

/** Takes any thrown value apart for `postMessage`. Never throws: a value whose very inspection throws (a
 * hostile Proxy, say) becomes an uncloneable one. */
export function serializeThrown(value: unknown): SerializedThrown {
  try {
    return serializeAny(value, new Map());
  } catch {
    return { kind: 'uncloneable', description: describe(value) };
  }
}

function define(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}

function rebuild(node: SerializedThrown, built: Map<number, Error>): unknown {
  switch (node.kind) {
    case 'nullish':
      return node.value;
    case 'value':
      return node.value;
    case 'uncloneable':
      return undefined;
    case 'ref':
      return built.get(node.id);
    case 'error':
      return rebuildError(node, built);
    default:
      throw errors.internal(`unknown serialized kind ${(node as { kind: string }).kind}`);
  }
}

function rebuildError(node: Extract<SerializedThrown, { kind: 'error' }>, built: Map<number, Error>): Error {
  let error: Error;
  if (node.builtin === 'DOMException') {
    error = new DOMException(node.message, node.name);
  } else if (node.builtin === 'AggregateError') {
    error = new AggregateError([], node.message);
  } else {
    error = new BUILTINS[node.builtin](node.message);
  }
  // Registered before its children are rebuilt, so a cycle back to it resolves.
  built.set(node.id, error);
  if (node.nameEnumerable !== null || error.name !== node.name) {
    define(error, 'name', node.name, node.nameEnumerable ?? false);
  }
  if (node.stack !== undefined) define(error, 'stack', node.stack, false);
  if (node.cause !== undefined) define(error, 'cause', rebuild(node.cause, built), false);
  if (node.errors !== undefined) {
    define(
      error,
      'errors',
      node.errors.map((inner) => rebuild(inner, built)),
      false,
    );
  }
  for (const { key, value, enumerable } of node.props) define(error, key, rebuild(value, built), enumerable);
  return error;
}

/**
 * Rebuilds a thrown value. A thrown `undefined` or `null` cannot be a stream error, so it becomes
 * `ERR_WORKER_THREW_NULLISH`, and any other falsy value `ERR_WORKER_THREW_FALSY`; a value that could not be
 * cloned becomes `ERR_WORKER_THREW_NOT_CLONEABLE`.
 */
export function deserializeThrown(node: SerializedThrown): unknown {
  if (node.kind === 'nullish') return errors.threwNullish(node.value);
  if (node.kind === 'uncloneable') return errors.threwNotCloneable(node.description);
  // Readable.destroy() treats a falsy error as none: the failure would vanish.
  if (node.kind === 'value' && !node.value) return errors.threwFalsy(node.value);
  return rebuild(node, new Map());
}
