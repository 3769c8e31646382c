// Long pure computations over a whole image (the diff, the bloat analysis) are generators that yield every few
// thousand units of work, so the main process can run them a step per event-loop turn (services/run-in-turns.ts)
// and keep answering IPC meanwhile; `runToEnd` runs them in one go where nothing else waits (CLI, tests).

/** Units of work (entries, mostly) between two yields: about 20 ms. */
export const STEP_ENTRIES = 20_000;

/** Counts units of work; `spend()` says when the computation should yield. */
export class StepBudget {
  private left = STEP_ENTRIES;

  /** Spends one unit; true (and a fresh budget) once `STEP_ENTRIES` units were spent since the last yield. */
  spend(): boolean {
    if (--this.left > 0) return false;
    this.left = STEP_ENTRIES;
    return true;
  }
}

/** Runs a stepped computation to its end in one go and returns its result. */
export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
