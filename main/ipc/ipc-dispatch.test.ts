import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StrataApi } from '../../shared/api';
import { StrataError } from '../../shared/errors';
import { createStrataService } from '../services/strata-service';
import type { StrataService } from '../services/strata-service-types';
import { createIpcDispatcher } from './ipc-dispatch';

const appFrame = { url: 'strata-app://app/index.html', isAppMainFrame: true };

/** A service whose every method records its input and answers with `answer`. */
function recordingService(answer: (method: string, input: unknown) => Promise<unknown>) {
  const calls: { method: string; input: unknown }[] = [];
  const service = new Proxy({} as StrataApi, {
    get: (_t, method: string) => (input: unknown) => {
      calls.push({ method, input });
      return answer(method, input);
    },
  });
  return { service, calls };
}

describe('IPC dispatcher', () => {
  let dir: string;
  let real: StrataService;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'strata-ipc-'));
    real = createStrataService({ cacheDir: path.join(dir, 'cache'), samplePath: path.join(dir, 'no-sample.tar') });
  });
  after(async () => {
    await real.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses frames that are not the app main frame on the app origin, without calling the service', async () => {
    const { service, calls } = recordingService(async () => ({ ok: true, value: [] }));
    const dispatch = createIpcDispatcher(service);
    const senders = [
      { url: 'https://evil.example/index.html', isAppMainFrame: true },
      { url: 'file:///work/main/dist/renderer/index.html', isAppMainFrame: true },
      { url: 'strata-app://other/index.html', isAppMainFrame: true },
      { url: 'strata-app://app/index.html', isAppMainFrame: false },
      { url: undefined, isAppMainFrame: true },
      { url: 'not a url', isAppMainFrame: true },
    ];
    for (const sender of senders) {
      const result = await dispatch(sender, 'listRecent', {});
      assert.equal(result.ok, false, JSON.stringify(sender));
      assert.equal(!result.ok && result.error.code, 'forbidden');
    }
    assert.equal(calls.length, 0);
  });

  it('refuses unknown and non-string method names, including prototype keys', async () => {
    const { service, calls } = recordingService(async () => ({ ok: true, value: null }));
    const dispatch = createIpcDispatcher(service);
    for (const method of ['dispose', 'createUpload', 'constructor', '__proto__', 'toString', 42, null, { m: 1 }]) {
      const result = await dispatch(appFrame, method, {});
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.error.code, 'usage');
      assert.match(!result.ok ? result.error.message : '', /Unknown API method/);
    }
    assert.equal(calls.length, 0);
  });

  it('validates input against the method schema and names the failing field', async () => {
    const { service, calls } = recordingService(async () => ({ ok: true, value: null }));
    const dispatch = createIpcDispatcher(service);
    const bad = [
      ['openSource', { source: { kind: 'path', path: '' } }],
      ['openSource', { source: { kind: 'shell', command: 'rm -rf /' } }],
      ['getLayerTree', { imageId: '../../etc', layer: 0, view: 'changes' }],
      ['getLayerTree', { imageId: 'abc', layer: -1, view: 'changes' }],
      ['cancelJob', 'job-1'],
      ['analyzeImage', undefined],
    ] as const;
    for (const [method, input] of bad) {
      const result = await dispatch(appFrame, method, input);
      assert.equal(result.ok, false, `${method} ${JSON.stringify(input)}`);
      assert.match(!result.ok ? result.error.message : '', new RegExp(`^Invalid input for ${method}`));
    }
    const located = await dispatch(appFrame, 'getLayerTree', { imageId: 'abc', layer: 1.5, view: 'changes' });
    assert.match(!located.ok ? located.error.message : '', /at layer/);
    assert.equal(calls.length, 0);
  });

  it('passes the parsed input (unknown keys stripped) to the service and returns its result', async () => {
    const { service, calls } = recordingService(async (method) => ({ ok: true, value: `${method} done` }));
    const dispatch = createIpcDispatcher(service);
    const result = await dispatch(appFrame, 'cancelJob', { jobId: 'job-1', extra: '<script>' });
    assert.deepEqual(result, { ok: true, value: 'cancelJob done' });
    assert.deepEqual(calls, [{ method: 'cancelJob', input: { jobId: 'job-1' } }]);
  });

  it('turns a thrown StrataError into an error value with code, file and entry', async () => {
    const { service } = recordingService(async () => {
      throw new StrataError('malformed', 'layer.tar: bad header checksum.', { file: '/tmp/layer.tar', entry: 'etc/passwd' });
    });
    const result = await createIpcDispatcher(service)(appFrame, 'closeSource', { sourceId: 's1' });
    assert.deepEqual(result, {
      ok: false,
      error: { code: 'malformed', message: 'layer.tar: bad header checksum.', file: '/tmp/layer.tar', entry: 'etc/passwd' },
    });
  });

  it('turns any other thrown value into an internal error value', async () => {
    const { service } = recordingService(async () => {
      throw new TypeError('boom');
    });
    const result = await createIpcDispatcher(service)(appFrame, 'listRecent', {});
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'internal');
    assert.match(!result.ok ? result.error.message : '', /boom/);
  });

  it('reports a method the service lacks as unavailable rather than crashing', async () => {
    const partial = { listRecent: async () => ({ ok: true as const, value: [] }) } as unknown as StrataApi;
    const result = await createIpcDispatcher(partial)(appFrame, 'getBloat', { imageId: 'abc' });
    assert.equal(!result.ok && result.error.code, 'usage');
    assert.match(!result.ok ? result.error.message : '', /not available/);
  });

  it('reaches the real engine service: a corrupt archive comes back as an error value naming the file', async () => {
    const dispatch = createIpcDispatcher(real);
    const corrupt = path.join(dir, 'corrupt.tar');
    await writeFile(corrupt, Buffer.alloc(1536, 0x41));
    const result = await dispatch(appFrame, 'openSource', { source: { kind: 'path', path: corrupt } });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.file, corrupt);
    const missing = await dispatch(appFrame, 'openSource', { source: { kind: 'path', path: path.join(dir, 'absent.tar') } });
    assert.equal(!missing.ok && missing.error.code, 'not-found');
    const recent = await dispatch(appFrame, 'listRecent', {});
    assert.deepEqual(recent, { ok: true, value: [] });
  });
});
