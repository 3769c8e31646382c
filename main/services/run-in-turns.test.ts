import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStrataError, StrataError } from '../../shared/errors';
import { runInTurns } from './run-in-turns';

function* counted(steps: number, log: string[]): Generator<void, number> {
  for (let i = 0; i < steps; i++) {
    log.push(`step ${i}`);
    yield;
  }
  return steps;
}

test('a step runs per event-loop turn: timers and I/O callbacks get their turn between steps', async () => {
  const log: string[] = [];
  setImmediate(() => log.push('other work'));
  const result = await runInTurns(counted(3, log));
  assert.equal(result, 3);
  assert.deepEqual(log, ['step 0', 'other work', 'step 1', 'step 2']);
});

test('an aborted signal stops the steps and rejects with the given error', async () => {
  const log: string[] = [];
  const controller = new AbortController();
  setImmediate(() => controller.abort());
  await assert.rejects(
    runInTurns(counted(1000, log), { signal: controller.signal, error: () => new StrataError('cancelled', 'image.tar: analysis cancelled.') }),
    (e: unknown) => isStrataError(e) && e.code === 'cancelled',
  );
  assert.ok(log.length < 5, `stopped after ${log.length} steps`);
});
