// Waiting in tests for something another side does (a server seeing a request, a stream being destroyed):
// a bounded poll that fails by name instead of hanging.
import assert from 'node:assert/strict';

/** Polls every 10 ms until `ready()` holds; fails naming `what` after `timeoutMs` (default 2 s). */
export async function until(ready: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
