// The sandboxed preload: exposes exactly `window.strataApi = { call, onEvent, pathForFile, chooseSavePath }` through
// contextBridge, never ipcRenderer itself. A sandboxed preload may only require 'electron', so this
// file has no other runtime import: the channel names are inlined (a unit test checks they equal
// IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL and IPC_SAVE_PATH_CHANNEL of shared/api.ts).
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { ApiEvent, ApiResult, StrataBridge } from '../shared/api';

const CALL_CHANNEL = 'strata:call';
const EVENT_CHANNEL = 'strata:event';
const SAVE_PATH_CHANNEL = 'strata:choose-save-path';

const bridge: StrataBridge = {
  call(method, input) {
    return ipcRenderer.invoke(CALL_CHANNEL, method, input).catch(
      (error: unknown): ApiResult<never> => ({
        ok: false,
        error: { code: 'ipc', message: `The Strata engine did not answer: ${error instanceof Error ? error.message : String(error)}` },
      }),
    );
  },
  onEvent(listener) {
    // The IPC event object is dropped: it carries `sender` (ipcRenderer) and must not reach the page.
    const forward = (_event: IpcRendererEvent, payload: ApiEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
  chooseSavePath(request) {
    return ipcRenderer.invoke(SAVE_PATH_CHANNEL, request).catch(
      (error: unknown): ApiResult<never> => ({
        ok: false,
        error: { code: 'ipc', message: `The save dialog did not open: ${error instanceof Error ? error.message : String(error)}` },
      }),
    );
  },
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
};

contextBridge.exposeInMainWorld('strataApi', bridge);
