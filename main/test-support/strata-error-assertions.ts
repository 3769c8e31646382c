// Assertions on the StrataError values the engine rejects with.
import assert from 'node:assert/strict';
import { isStrataError, type StrataErrorCode } from '../../shared/errors';

/** Asserts that `promise` rejects with a StrataError of `code` whose message mentions every string given. */
export async function rejectsWith(promise: Promise<unknown>, code: StrataErrorCode, ...mentions: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isStrataError(error), `a StrataError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const m of mentions) assert.ok(error.message.includes(m), `${JSON.stringify(error.message)} mentions ${m}`);
    return true;
  });
}
