// Runs a stepped computation (a generator that yields between steps) one step per turn of the event loop, so a
// long pure computation on the main process (the diff of a 1M-entry image takes about a second) leaves room
// for IPC, HTTP requests and progress between its steps.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How a run in turns is cancelled: once `signal` aborts, the steps stop and the run rejects with `error()`. */
export interface TurnsCancel {
  readonly signal: AbortSignal;
  readonly error: () => Error;
}

/** Drives `steps` to its end, a step per event-loop turn (see `TurnsCancel`). */
export async function runInTurns<T>(steps: Generator<void, T>, cancel?: TurnsCancel): Promise<T> {
  for (;;) {
    if (cancel?.signal.aborted) {
      steps.return(undefined as never);
      throw cancel.error();
    }
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}
