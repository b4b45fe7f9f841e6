/**
 * Types that read a worker module's own type, so `T` and `args` need not be written by hand.
 * @module
 */

/** The item type of an iterable or async iterable (a string is one item, as with `Readable.from`). */
export type IterableItem<R> = R extends string
  ? string
  : R extends AsyncIterable<infer T>
    ? T
    : R extends Iterable<infer T>
      ? T
      : never;

/**
 * The item type an export produces: the items of the iterable it is, or of the (possibly promised)
 * iterable it returns.
 * @example
 * ```ts
 * type Entry = ExportItem<typeof import('./walk.js').walk>;
 * ```
 */
export type ExportItem<E> = E extends (...args: never[]) => infer R ? IterableItem<Awaited<R>> : IterableItem<E>;

/** The parameters an export is called with (`[]` for an iterable value). */
export type ExportArgs<E> = E extends (...args: infer A) => unknown ? A : [];

/**
 * The item type of export `K` (default `'default'`) of a module type `M`.
 * @example
 * ```ts
 * type Walk = typeof import('./walk.js');
 * const entries = new WorkerReadable<ItemOf<Walk, 'walk'>, ArgsOf<Walk, 'walk'>>(
 *   new URL('./walk.js', import.meta.url),
 *   { export: 'walk', args: ['/usr'] }, // args checked against walk's parameters
 * );
 * ```
 */
export type ItemOf<M, K extends keyof M = 'default' & keyof M> = ExportItem<M[K]>;

/** The `args` type of export `K` (default `'default'`) of a module type `M`; see {@link ItemOf}. */
export type ArgsOf<M, K extends keyof M = 'default' & keyof M> = ExportArgs<M[K]>;
