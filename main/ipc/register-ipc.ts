// Electron glue of the IPC contract: one `ipcMain.handle` on IPC_CALL_CHANNEL that describes the
// sender frame and hands the call to the pure dispatcher; engine events go to the window on
// IPC_EVENT_CHANNEL; the native save dialog answers on IPC_SAVE_PATH_CHANNEL, sender-checked the same way.
import { app, BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { ApiEvent, ApiResult } from '../../shared/api';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_SAVE_PATH_CHANNEL } from '../../shared/api';
import type { IpcSenderFrame } from '../app-security';
import type { StrataService } from '../services/strata-service-types';
import { createIpcDispatcher } from './ipc-dispatch';
import { createSavePathDispatcher, saveDialogOptions } from './save-path-dispatch';

/** Options of `registerIpc`. */
export interface IpcOptions {
  readonly service: StrataService;
  /** The web contents of the Strata window, or null while there is none; only it may call. */
  readonly appContents: () => WebContents | null;
  /** Told about every answered call (main tracks the open source and refreshes Open Recent). */
  readonly afterCall?: (method: unknown, input: unknown, result: ApiResult<unknown>) => void;
}

/** Describes who sent a call: the frame's URL and whether it is the main frame of the app window. */
function senderFrameOf(event: IpcMainInvokeEvent, appContents: WebContents | null): IpcSenderFrame {
  const frame = event.senderFrame;
  const fromApp = appContents !== null && !appContents.isDestroyed() && event.sender.id === appContents.id;
  return { url: frame?.url, isAppMainFrame: frame !== null && frame.parent === null && fromApp };
}

/** Sends an event to the window if it is still there. */
export function sendApiEvent(contents: WebContents | null, event: ApiEvent): void {
  if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event);
}

/** Registers the call handler and event forwarding; returns the function that removes both. */
export function registerIpc(options: IpcOptions): () => void {
  const dispatch = createIpcDispatcher(options.service);
  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method: unknown, input: unknown) => {
    const result = await dispatch(senderFrameOf(event, options.appContents()), method, input);
    options.afterCall?.(method, input, result);
    return result;
  });
  const unsubscribe = options.service.onEvent((event) => sendApiEvent(options.appContents(), event));
  ipcMain.handle(IPC_SAVE_PATH_CHANNEL, async (event, request: unknown) => {
    const choose = createSavePathDispatcher(async (valid) => {
      const window = BrowserWindow.fromWebContents(event.sender);
      const dialogOptions = saveDialogOptions(valid, app.getPath('downloads'));
      const chosen = window ? await dialog.showSaveDialog(window, dialogOptions) : await dialog.showSaveDialog(dialogOptions);
      return chosen.canceled || !chosen.filePath ? '' : chosen.filePath;
    });
    return choose(senderFrameOf(event, options.appContents()), request);
  });
  return () => {
    ipcMain.removeHandler(IPC_CALL_CHANNEL);
    ipcMain.removeHandler(IPC_SAVE_PATH_CHANNEL);
    unsubscribe();
  };
}
