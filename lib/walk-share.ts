/**
 * Two threads walking one tree, for the `worker-walk` command (`--threads 2`): each walks depth first on its
 * own stack, and a thread out of work gets half of the directories its peer has found and not entered yet,
 * from the bottom of the peer's stack (the largest subtrees). The helper thread formats its own output and
 * posts it to the walker's thread, which yields it through the stream with its own; lines of different
 * subtrees interleave, so the order is not `find`'s (`--sort` walks on one thread, in order).
 *
 * Coordination is in shared memory: a thread asks for work by raising its HUNGRY cell, which its peer reads
 * before each directory it enters; ACTIVE counts the threads holding work or being handed some, and the walk
 * is over when it falls to 0. Both threads import this file.
 * @internal
 * @module
 */
import type { Dirent } from 'node:fs';
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { deserializeThrown, type SerializedThrown } from './serialize.js';
import { isShareable } from './walk-worker.js';

/** Cells of the shared block; thread 0 is the walker's, thread 1 the helper. */
export const ShareCell = Object.freeze({
  /** `HUNGRY + id`: 1 while thread `id` waits for work. */
  HUNGRY: 0,
  /** Threads holding work, or being handed some. */
  ACTIVE: 2,
  /** `BELL + id`: bumped to wake thread `id` (work or output for it, or the end). */
  BELL: 3,
  /** Non-zero once the walk is stopped (the stream was destroyed, or failed). */
  STOP: 5,
  /** Pieces of output the helper has posted, and those the walker's thread has taken: the helper stays at
   * most {@link PIECES_AHEAD} ahead, so a paused reader pauses it too. */
  POSTED: 6,
  TAKEN: 7,
});

/** Number of cells in the shared block. */
export const SHARE_CELLS = 8;

/** Pieces of output (about 64 KiB each) the helper may have posted and the walker's thread not taken. */
const PIECES_AHEAD = 4;

/** A directory being walked (walk-worker.ts keeps a stack of them): its listing and how far the walk got. */
export interface Frame {
  /** A shared walk takes directories out of it that the walk has not reached. */
  readonly dirents: Dirent[];
  index: number;
  /** With sharing: entries from `index` on that could be handed over (directories, and links when
   * following them). */
  shareable: number;
  /** The directory's path and a `/`: children's paths are `prefix + name`. */
  readonly prefix: string;
  /** The same, relative to the root, for include/exclude (`''` for the root). */
  readonly relative: string;
  /** The depth of the children. */
  readonly depth: number;
  /** `dev:ino` of the directory, kept only when following links (loop detection). */
  readonly id: string | null;
  readonly path: string;
}

/** Directories handed to the peer: children of one directory, with what the walk keeps of its ancestors. */
export interface GivenWork {
  readonly type: 'work';
  readonly names: string[];
  /** Per name, whether it is a symbolic link (followed, it may be a directory) rather than a directory. */
  readonly links: boolean[];
  readonly prefix: string;
  readonly relative: string;
  readonly depth: number;
  readonly id: string | null;
  readonly path: string;
  /** The frames below it, bottom first: `id` and `path` only (loop detection when following links). */
  readonly ancestors: ReadonlyArray<{ readonly id: string | null; readonly path: string }>;
}

/** What the threads post to each other. `piece`, `fail` and `end` (its last message: everything it had
 * to say has been posted) go from the helper to the walker's thread. */
export type ShareMessage<P> =
  | GivenWork
  | { readonly type: 'piece'; readonly piece: P }
  | { readonly type: 'fail'; readonly error: SerializedThrown }
  | { readonly type: 'end' };

/** How long a waiting thread sleeps before it looks again (ms): the walker's thread then passes the
 * helper's output on, and now and then goes back to its stream, which so sees a stop. */
const WAIT_MS = { walker: 1, helper: 50 } as const;

/** What the walk reads of a `Dirent`, for a directory or a link handed over (a `Dirent` does not clone). */
function handedDirent(name: string, link: boolean): Dirent {
  return { name, isFile: () => false, isDirectory: () => !link, isSymbolicLink: () => link } as Dirent;
}

/** One thread's side of a shared walk. */
export class Sharing<P = unknown> {
  readonly #control: Int32Array;
  readonly #self: 0 | 1;
  readonly #peer: 0 | 1;
  readonly #port: MessagePort;
  #active: boolean;
  #work: GivenWork[] = [];
  #pieces: P[] = [];
  #failure: { error: unknown } | null = null;
  /** The walker's thread gave the helper work: the walk is over only once the helper's output is all in. */
  #gave = false;
  #peerEnded = false;

  constructor(control: SharedArrayBuffer, self: 0 | 1, port: MessagePort) {
    this.#control = new Int32Array(control);
    this.#self = self;
    this.#peer = self === 0 ? 1 : 0;
    this.#port = port;
    // The walker's thread starts with the root; the helper waits to be given work.
    this.#active = self === 0;
    if (self === 1) Atomics.store(this.#control, ShareCell.HUNGRY + 1, 1);
  }

  /** The shared block for a new walk: the walker's thread active, the helper not yet ready for work. */
  static control(): SharedArrayBuffer {
    const control = new SharedArrayBuffer(SHARE_CELLS * Int32Array.BYTES_PER_ELEMENT);
    Atomics.store(new Int32Array(control), ShareCell.ACTIVE, 1);
    return control;
  }

  get stopped(): boolean {
    return Atomics.load(this.#control, ShareCell.STOP) !== 0;
  }

  /** Stops both threads (the walker's thread, when its stream ends early or fails). */
  stop(): void {
    Atomics.store(this.#control, ShareCell.STOP, 1);
    this.#ring(this.#peer);
  }

  #ring(thread: 0 | 1): void {
    Atomics.add(this.#control, ShareCell.BELL + thread, 1);
    Atomics.notify(this.#control, ShareCell.BELL + thread);
  }

  /** Posts to the peer and wakes it. */
  post(message: ShareMessage<P>): void {
    this.#port.postMessage(message);
    this.#ring(this.#peer);
  }

  /** Called before each directory is entered: the level in `stack` of the lowest frame with entries to hand
   * over, if the peer waits for work; else -1. The caller sends its pending output first (a directory's
   * own line must come out before its children's), then calls {@link give}. */
  candidate(stack: Frame[]): number {
    if (Atomics.load(this.#control, ShareCell.HUNGRY + this.#peer) === 0) return -1;
    for (let level = 0; level < stack.length; level++) if ((stack[level] as Frame).shareable > 0) return level;
    return -1;
  }

  /** Hands the peer half of the entries of `stack[level]` that could be handed over (directories and, following
   * links, links: they may be directories). True if it did. */
  give(stack: Frame[], level: number, followLinks: boolean): boolean {
    if (Atomics.compareExchange(this.#control, ShareCell.HUNGRY + this.#peer, 1, 0) !== 1) return false;
    const frame = stack[level] as Frame;
    const dirents = frame.dirents;
    let wanted = Math.ceil(frame.shareable / 2);
    const given: Dirent[] = [];
    // Compacted in place: what is kept stays in order after `index`.
    let kept = frame.index;
    for (let at = frame.index; at < dirents.length; at++) {
      const dirent = dirents[at] as Dirent;
      if (wanted > 0 && isShareable(dirent, followLinks)) {
        given.push(dirent);
        wanted--;
      } else {
        dirents[kept++] = dirent;
      }
    }
    dirents.length = kept;
    frame.shareable -= given.length;
    Atomics.add(this.#control, ShareCell.ACTIVE, 1);
    this.#gave = true;
    const { prefix, relative, depth, id, path } = frame;
    const ancestors = stack.slice(0, level).map((below) => ({ id: below.id, path: below.path }));
    this.post({
      type: 'work',
      names: given.map((dirent) => dirent.name),
      links: given.map((dirent) => dirent.isSymbolicLink()),
      prefix,
      relative,
      depth,
      id,
      path,
      ancestors,
    });
    return true;
  }

  /** The helper's side: posts a piece of output, first waiting while the walker's thread is
   * {@link PIECES_AHEAD} pieces behind (or until the walk is stopped). */
  postPiece(piece: P): void {
    const control = this.#control;
    for (;;) {
      const taken = Atomics.load(control, ShareCell.TAKEN);
      if (this.stopped || Atomics.load(control, ShareCell.POSTED) - taken < PIECES_AHEAD) break;
      Atomics.wait(control, ShareCell.TAKEN, taken, WAIT_MS.helper);
    }
    this.post({ type: 'piece', piece });
    Atomics.add(control, ShareCell.POSTED, 1);
  }

  /** Reads what the peer posted. */
  #poll(): void {
    for (let received = receiveMessageOnPort(this.#port); received !== undefined; ) {
      const message = received.message as ShareMessage<P>;
      if (message.type === 'work') this.#work.push(message);
      else if (message.type === 'piece') this.#pieces.push(message.piece);
      else if (message.type === 'end') this.#peerEnded = true;
      else this.#failure ??= { error: deserializeThrown(message.error) };
      received = receiveMessageOnPort(this.#port);
    }
  }

  /** The helper's output received so far; throws the helper's failure once its output before it is taken. */
  takePieces(): P[] {
    this.#poll();
    const pieces = this.#pieces;
    if (pieces.length > 0) {
      this.#pieces = [];
      Atomics.add(this.#control, ShareCell.TAKEN, pieces.length);
      Atomics.notify(this.#control, ShareCell.TAKEN);
      return pieces;
    }
    if (this.#failure !== null) throw this.#failure.error;
    return pieces;
  }

  /**
   * With `stack` empty: pushes work given by the peer and returns 'work', or returns 'done' once neither
   * thread has any left (or the walk was stopped). Otherwise sleeps a while and returns 'wait': the walker's
   * thread then goes back to its stream.
   */
  refill(stack: Frame[]): 'work' | 'done' | 'wait' {
    if (this.#active) {
      this.#active = false;
      Atomics.store(this.#control, ShareCell.HUNGRY + this.#self, 1);
      // The last thread out ends the walk, and wakes the other.
      if (Atomics.sub(this.#control, ShareCell.ACTIVE, 1) === 1) this.#ring(this.#peer);
    }
    const bell = Atomics.load(this.#control, ShareCell.BELL + this.#self);
    this.#poll();
    const work = this.#work.shift();
    if (work !== undefined) {
      // The giver counted this thread active and lowered its HUNGRY cell.
      this.#active = true;
      for (const { id, path } of work.ancestors) {
        stack.push({ dirents: [], index: 0, shareable: 0, prefix: '', relative: '', depth: 0, id, path });
      }
      const { prefix, relative, depth, id, path } = work;
      const dirents = work.names.map((name, index) => handedDirent(name, work.links[index] === true));
      stack.push({ dirents, index: 0, shareable: dirents.length, prefix, relative, depth, id, path });
      return 'work';
    }
    if (this.stopped || this.#failure !== null) return 'done';
    // Nobody holds work; the helper's last output, held until its walk ended, may still be on its way.
    const waitForPeer = this.#self === 0 && this.#gave && !this.#peerEnded;
    if (Atomics.load(this.#control, ShareCell.ACTIVE) === 0 && !waitForPeer) return 'done';
    Atomics.wait(this.#control, ShareCell.BELL + this.#self, bell, this.#self === 0 ? WAIT_MS.walker : WAIT_MS.helper);
    return 'wait';
  }

  close(): void {
    this.#port.close();
  }
}
