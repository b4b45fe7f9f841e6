/**
 * The helper thread of a `worker-walk --threads 2` walk (see walk-share.ts): walks the directories it is
 * given, formats its output as the walker's thread does, and posts it there.
 * @internal
 * @module
 */
import { workerData } from 'node:worker_threads';
import { serializeThrown } from './serialize.js';
import { formatWalk, type HelperInit, type OutputChunk } from './walk-output.js';
import { Sharing } from './walk-share.js';
import { walk } from './walk-worker.js';

const { task, format, control, port } = workerData as HelperInit;
const sharing = new Sharing<OutputChunk>(control, 1, port);
try {
  for (const piece of formatWalk(walk(task, sharing, false), format, null)) {
    // Empty pieces are heartbeats for a stream; this thread has none.
    if (piece.text !== '' || piece.entries > 0 || piece.errors.length > 0) sharing.postPiece(piece);
  }
} catch (error) {
  // A failure with `strict`, or a bug: the walker's thread throws it after this thread's output before it.
  sharing.post({ type: 'fail', error: serializeThrown(error) });
  sharing.stop();
} finally {
  sharing.post({ type: 'end' });
  sharing.close();
}
