/**
 * The one place that builds this package's own errors. Each has a stable `code`; callers identify errors
 * by `code`, never by message text. Both threads import this file.
 * @module
 */
import { constants as osConstants } from 'node:os';

/**
 * Every `code` this package gives its own errors. Errors thrown by the iterator keep their own `code`.
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `ERR_INVALID_ARG_TYPE` | `TypeError` | an argument or option has the wrong type |
 * | `ERR_INVALID_ARG_VALUE` | `TypeError` or `RangeError` | an argument or option has the right type but a value that is not allowed |
 * | `ERR_WORKER_ARGS_NOT_CLONEABLE` | `TypeError` | an element of `args` cannot be structured-cloned; `index` says which |
 * | `ERR_WORKER_MODULE_LOAD` | `Error` | the worker module could not be loaded; the original error is the `cause` |
 * | `ERR_WORKER_EXPORT_NOT_FOUND` | `Error` | the module has no such export; `exports` lists those it has |
 * | `ERR_WORKER_NOT_ITERABLE` | `TypeError` | the export is neither iterable nor a function returning an iterable |
 * | `ERR_WORKER_ITEM_NOT_CLONEABLE` | `TypeError` | an item cannot be structured-cloned; `index` is its 0-based position in the stream |
 * | `ERR_STREAM_NULL_VALUES` | `TypeError` | the iterator yielded `null`, which ends an object stream (as `Readable.from`) |
 * | `ERR_WORKER_EXITED` | `Error` | the worker thread exited before the iterator finished; `exitCode` holds its exit code, `lostItems` how many items died with it (0: a thread that exits sends its batch first) |
 * | `ERR_WORKER_THREW_NULLISH` | `Error` | the iterator threw `undefined` or `null`; `thrown` holds which |
 * | `ERR_WORKER_THREW_NOT_CLONEABLE` | `Error` | the iterator threw a non-error value that cannot be cloned; `thrown` holds a description |
 * | `ERR_WORKER_THREW_FALSY` | `Error` | the iterator threw `0`, `''`, `false`, `NaN` or `0n`; `thrown` holds a description |
 * | `ERR_WORKER_READABLE_INTERNAL` | `Error` | a defect of this package (the threads disagree about the protocol); please report it |
 *
 * Node's own `ERR_WORKER_OUT_OF_MEMORY` (the worker ran out of heap) reaches the stream as Node raised it,
 * with `lostItems`. V8 kills the thread inside the iterator's `next()`, where no code of the package runs:
 * with a heap bounded by `worker.resourceLimits` each value was sent before that `next()`, so `lostItems` is
 * 0; a thread that runs out of its default heap takes the items it had batched but not sent (at most
 * `highWaterMark`, at most about 1 ms of them) with it, and this counts them.
 * Any error that ends the stream because the thread died carries `lostItems` (unless it is frozen).
 */
export const ErrorCode = Object.freeze({
  /** `TypeError`: an argument or option has the wrong type. */
  INVALID_ARG_TYPE: 'ERR_INVALID_ARG_TYPE',
  /** `TypeError` or `RangeError`: an argument or option has a value that is not allowed. */
  INVALID_ARG_VALUE: 'ERR_INVALID_ARG_VALUE',
  /** `TypeError`: an element of `args` cannot be structured-cloned; `index` says which. */
  ARGS_NOT_CLONEABLE: 'ERR_WORKER_ARGS_NOT_CLONEABLE',
  /** The worker module could not be loaded (missing, syntax error, threw at import); `cause` is why. */
  MODULE_LOAD: 'ERR_WORKER_MODULE_LOAD',
  /** The module has no such export; `exports` lists those it has. */
  EXPORT_NOT_FOUND: 'ERR_WORKER_EXPORT_NOT_FOUND',
  /** `TypeError`: the export is neither iterable nor a function returning an iterable. */
  NOT_ITERABLE: 'ERR_WORKER_NOT_ITERABLE',
  /** `TypeError`: an item cannot be structured-cloned; `index` is its 0-based position in the stream. */
  ITEM_NOT_CLONEABLE: 'ERR_WORKER_ITEM_NOT_CLONEABLE',
  /** `TypeError`: the iterator yielded `null`, which would end an object stream (as with `Readable.from`). */
  NULL_VALUES: 'ERR_STREAM_NULL_VALUES',
  /** The thread exited before the iterator finished (`process.exit()` in worker code, or an event loop that
   * ran dry); `exitCode` is its exit code. */
  EXITED: 'ERR_WORKER_EXITED',
  /** The iterator threw `undefined` or `null`, which a stream cannot carry as an error; `thrown` says which. */
  THREW_NULLISH: 'ERR_WORKER_THREW_NULLISH',
  /** The iterator threw a non-error value that cannot be cloned (a function, say); `thrown` describes it. */
  THREW_NOT_CLONEABLE: 'ERR_WORKER_THREW_NOT_CLONEABLE',
  /** The iterator threw a falsy value other than `undefined` and `null` (`0`, `''`, `false`, `NaN`, `0n`),
   * which a stream cannot carry as an error either; `thrown` describes it. */
  THREW_FALSY: 'ERR_WORKER_THREW_FALSY',
  /** A defect of this package: the two threads disagree about the protocol (an unknown message, a value
   * standing for more items than it had room for). Never the user's fault; please report it. */
  INTERNAL: 'ERR_WORKER_READABLE_INTERNAL',
} as const);

/** The union of every code in {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The shape of the errors this package builds: a built-in error class with a stable `code` and, depending
 * on the code, `index`, `exports`, `exitCode` or `thrown`.
 */
export interface WorkerReadableError extends Error {
  /** One of {@link ErrorCode}. */
  code: ErrorCodeValue;
  /** `ERR_WORKER_ARGS_NOT_CLONEABLE`, `ERR_WORKER_ITEM_NOT_CLONEABLE`: position of the culprit. */
  index?: number;
  /** `ERR_WORKER_EXPORT_NOT_FOUND`: the names the module does export. */
  exports?: string[];
  /** `ERR_WORKER_EXITED`: the thread's exit code. */
  exitCode?: number;
  /** `ERR_WORKER_EXITED`, Node's `ERR_WORKER_OUT_OF_MEMORY`, or any error that ended the stream because the
   * thread died: how many items the iterator had yielded that were never sent. 0 unless the thread was
   * killed (out of memory, without `resourceLimits` bounding its heap) while it held a batch; the items
   * delivered plus this are all it yielded. */
  lostItems?: number;
  /** `ERR_WORKER_THREW_NULLISH`, `ERR_WORKER_THREW_NOT_CLONEABLE`, `ERR_WORKER_THREW_FALSY`: what was
   * thrown. */
  thrown?: string;
}

type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

function build(
  Class: ErrorClass,
  code: ErrorCodeValue,
  message: string,
  props: Partial<WorkerReadableError> = {},
  cause?: unknown,
): WorkerReadableError {
  const error = (cause === undefined ? new Class(message) : new Class(message, { cause })) as WorkerReadableError;
  error.code = code;
  Object.assign(error, props);
  // Drop this file's frame, as Node does for its own errors.
  Error.captureStackTrace?.(error, build);
  return error;
}

/** Describes a received value for an error message: its type, and the value itself when short. Never
 * throws, whatever the value (a Proxy, a throwing getter, an odd `constructor.name`). */
export function describe(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (typeof value === 'function') {
      const name: unknown = value.name;
      return `function ${typeof name === 'string' && name !== '' ? name : '<anonymous>'}`;
    }
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'object') {
      const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
    }
    const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
    return `type ${typeof value} (${text.length > 40 ? `${text.slice(0, 37)}...` : text})`;
  } catch {
    return `a value of type ${typeof value} that cannot be described`;
  }
}

/** Factories, one per situation. */
export const errors = {
  internal(what: string): WorkerReadableError {
    return build(Error, ErrorCode.INTERNAL, `worker-readable internal error: ${what}`);
  },
  invalidType(name: string, expected: string, received: unknown): WorkerReadableError {
    return build(
      TypeError,
      ErrorCode.INVALID_ARG_TYPE,
      `The "${name}" option must be ${expected}. Received ${describe(received)}`,
    );
  },
  invalidValue(name: string, expected: string, received: unknown, Class: ErrorClass = TypeError): WorkerReadableError {
    return build(
      Class,
      ErrorCode.INVALID_ARG_VALUE,
      `The "${name}" option must be ${expected}. Received ${describe(received)}`,
    );
  },
  unknownKey(name: string, key: string, allowed: readonly string[]): WorkerReadableError {
    // A wrong case is the commonest slip (highwatermark): name the key that was meant.
    const meant = allowed.find((known) => known.toLowerCase() === key.toLowerCase());
    const hint = meant === undefined ? '' : ` (did you mean "${meant}"?)`;
    return build(
      TypeError,
      ErrorCode.INVALID_ARG_VALUE,
      `The "${name}" option has an unknown key ${JSON.stringify(key)}${hint}; it may have only ${allowed.join(', ')}`,
    );
  },
  argsNotCloneable(index: number, cause: unknown): WorkerReadableError {
    return build(
      TypeError,
      ErrorCode.ARGS_NOT_CLONEABLE,
      `args[${index}] cannot be sent to the worker: it must be structured-cloneable (no functions, symbols or transfer-only objects)`,
      { index },
      cause,
    );
  },
  moduleLoad(module: string, cause: unknown): WorkerReadableError {
    return build(Error, ErrorCode.MODULE_LOAD, `The worker could not load the module ${module}`, {}, cause);
  },
  exportNotFound(name: string, module: string, exported: string[]): WorkerReadableError {
    const list = exported.length === 0 ? 'it has no exports' : `it exports: ${exported.join(', ')}`;
    return build(Error, ErrorCode.EXPORT_NOT_FOUND, `The module ${module} has no export "${name}"; ${list}`, {
      exports: exported,
    });
  },
  notIterable(name: string, received: unknown): WorkerReadableError {
    return build(
      TypeError,
      ErrorCode.NOT_ITERABLE,
      `The export "${name}" must be an iterable, an async iterable, or a function returning one. Received ${describe(received)}`,
    );
  },
  itemNotCloneable(index: number, cause: unknown): WorkerReadableError {
    return build(
      TypeError,
      ErrorCode.ITEM_NOT_CLONEABLE,
      `Item ${index} cannot be sent from the worker: it must be structured-cloneable (no functions or symbols)`,
      { index },
      cause,
    );
  },
  nullValue(): WorkerReadableError {
    // Same class and message as Node's own ERR_STREAM_NULL_VALUES, which Readable.from raises.
    return build(TypeError, ErrorCode.NULL_VALUES, 'May not write null values to stream');
  },
  exited(exitCode: number): WorkerReadableError {
    return build(
      Error,
      ErrorCode.EXITED,
      `The worker thread exited with code ${exitCode} before the iterator finished`,
      { exitCode },
    );
  },
  threwNullish(thrown: null | undefined): WorkerReadableError {
    const text = thrown === null ? 'null' : 'undefined';
    return build(Error, ErrorCode.THREW_NULLISH, `The iterator threw ${text}`, { thrown: text });
  },
  /**
   * The walker met a directory that is the same (same device and inode) as one of its own ancestors while
   * following symbolic links. Shaped like the system's own `ELOOP` errors (`code`, `errno`, `syscall`,
   * `path`), since it stands for the loop the system would report.
   */
  fileSystemLoop(path: string, ancestor: string): NodeJS.ErrnoException {
    const error: NodeJS.ErrnoException = new Error(
      `ELOOP: file system loop detected, walk '${path}' is the same directory as its ancestor '${ancestor}'`,
    );
    Object.assign(error, { errno: -osConstants.errno.ELOOP, code: 'ELOOP', syscall: 'walk', path });
    Error.captureStackTrace?.(error, errors.fileSystemLoop);
    return error;
  },
  threwFalsy(thrown: unknown): WorkerReadableError {
    const text = describe(thrown);
    return build(Error, ErrorCode.THREW_FALSY, `The iterator threw ${text}, which a stream cannot carry as an error`, {
      thrown: text,
    });
  },
  /** `thrown` is a {@link describe description} of the value, made where the value was. */
  threwNotCloneable(thrown: string): WorkerReadableError {
    const text = thrown;
    return build(Error, ErrorCode.THREW_NOT_CLONEABLE, `The iterator threw ${text}, which cannot be cloned`, {
      thrown: text,
    });
  },
};
