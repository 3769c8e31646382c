import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as vm from 'node:vm';
import ts from 'typescript';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_SAVE_PATH_CHANNEL } from '../shared/api';

/** The preload as tsc emits it (CommonJS), run the way Electron's sandbox runs it: `require` knows only 'electron'. */
function runPreload() {
  const source = readFileSync(path.join(__dirname, 'preload.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const required: string[] = [];
  const exposed = new Map<string, unknown>();
  const invocations: unknown[][] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  let invokeFails = false;
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        invocations.push(args);
        if (invokeFails) throw new Error("No handler registered for 'strata:call'");
        return { ok: true, value: 'answer' };
      },
      on: (channel: string, fn: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(fn);
      },
      removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.get(channel)?.delete(fn),
    },
    webUtils: {
      getPathForFile: (file: { path?: string }) => {
        if (!file.path) throw new TypeError('not a File');
        return file.path;
      },
    },
  };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`module not found: ${name}`);
    return electron;
  };
  const exportsObject = {};
  vm.runInNewContext(`(function (exports, require, module) {\n${outputText}\n})`, {})(exportsObject, sandboxRequire, {
    exports: exportsObject,
  });
  return { required, exposed, invocations, listeners, failInvoke: () => (invokeFails = true) };
}

describe('sandboxed preload', () => {
  it('requires nothing but electron at runtime', () => {
    assert.deepEqual([...new Set(runPreload().required)], ['electron']);
  });

  it('exposes exactly window.strataApi with call, onEvent, pathForFile and chooseSavePath', () => {
    const { exposed } = runPreload();
    assert.deepEqual([...exposed.keys()], ['strataApi']);
    const api = exposed.get('strataApi') as Record<string, unknown>;
    assert.deepEqual(Object.keys(api).sort(), ['call', 'chooseSavePath', 'onEvent', 'pathForFile']);
    for (const value of Object.values(api)) assert.equal(typeof value, 'function');
  });

  it('sends calls on the shared call channel and returns the main process result', async () => {
    const { exposed, invocations } = runPreload();
    const api = exposed.get('strataApi') as { call(method: string, input: unknown): Promise<unknown> };
    assert.deepEqual(await api.call('listRecent', {}), { ok: true, value: 'answer' });
    assert.deepEqual(invocations, [[IPC_CALL_CHANNEL, 'listRecent', {}]]);
  });

  it('turns a failed invoke into an error value instead of a rejection', async () => {
    const preload = runPreload();
    preload.failInvoke();
    const api = preload.exposed.get('strataApi') as { call(method: string, input: unknown): Promise<{ ok: boolean; error?: { code: string } }> };
    const result = await api.call('listRecent', {});
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'ipc');
  });

  it('delivers event payloads on the shared event channel without the IPC event object, and unsubscribes', () => {
    const { exposed, listeners } = runPreload();
    const api = exposed.get('strataApi') as { onEvent(fn: (...args: unknown[]) => void): () => void };
    const received: unknown[][] = [];
    const off = api.onEvent((...args) => received.push(args));
    assert.deepEqual([...listeners.keys()], [IPC_EVENT_CHANNEL]);
    const payload = { type: 'open-source', source: { kind: 'sample' } };
    for (const fn of listeners.get(IPC_EVENT_CHANNEL) ?? []) fn({ sender: 'ipcRenderer', ports: [] }, payload);
    assert.deepEqual(received, [[payload]]);
    off();
    assert.equal(listeners.get(IPC_EVENT_CHANNEL)?.size, 0);
  });

  it('asks for a save path on the save-dialog channel and turns a failed invoke into an error value', async () => {
    const preload = runPreload();
    const api = preload.exposed.get('strataApi') as { chooseSavePath(request: unknown): Promise<{ ok: boolean; error?: { code: string } }> };
    const request = { suggestedName: 'alpine', format: 'oci' };
    assert.deepEqual(await api.chooseSavePath(request), { ok: true, value: 'answer' });
    assert.deepEqual(preload.invocations, [[IPC_SAVE_PATH_CHANNEL, request]]);
    preload.failInvoke();
    assert.equal((await api.chooseSavePath(request)).error?.code, 'ipc');
  });

  it('answers a dropped file path, and an empty string for anything that is not a File', () => {
    const { exposed } = runPreload();
    const api = exposed.get('strataApi') as { pathForFile(file: unknown): string };
    assert.equal(api.pathForFile({ path: '/home/me/image.tar' }), '/home/me/image.tar');
    assert.equal(api.pathForFile({}), '');
  });
});
