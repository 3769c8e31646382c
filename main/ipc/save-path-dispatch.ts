// The native save dialog's IPC boundary as a pure function (no electron import): the sender frame is
// checked and the request validated before the dialog opens; the answer is an ApiResult path.
import type { ApiResult, SavePathRequest } from '../../shared/api';
import { savePathRequestSchema } from '../../shared/api';
import { senderRefusal, type IpcSenderFrame } from '../app-security';
import { toApiError } from '../services/strata-service';

/** Handles one `chooseSavePath` call: (sender frame, request) → chosen path ('' when cancelled); never throws. */
export type SavePathDispatch = (sender: IpcSenderFrame, request: unknown) => Promise<ApiResult<string>>;

/** Builds the dispatcher over the function that shows the dialog and resolves to the chosen path or ''. */
export function createSavePathDispatcher(showDialog: (request: SavePathRequest) => Promise<string>): SavePathDispatch {
  return async (sender, request) => {
    const refusal = senderRefusal(sender);
    if (refusal) return { ok: false, error: { code: 'forbidden', message: refusal } };
    const parsed = savePathRequestSchema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      return { ok: false, error: { code: 'usage', message: `Invalid input for chooseSavePath${where}: ${issue?.message ?? 'rejected'}.` } };
    }
    try {
      return { ok: true, value: await showDialog(parsed.data) };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  };
}

/** The dialog's options for a request: a `.tar` file for docker-save archives, a new folder for OCI layouts. */
export function saveDialogOptions(request: SavePathRequest, defaultDir: string) {
  const archive = request.format === 'docker-archive';
  const name = archive && !/\.tar$/i.test(request.suggestedName) ? `${request.suggestedName}.tar` : request.suggestedName;
  return {
    title: archive ? 'Save image as a docker-save archive' : 'Save image as an OCI layout folder',
    buttonLabel: 'Save',
    defaultPath: `${defaultDir.replace(/[\\/]+$/, '')}/${name}`,
    filters: archive ? [{ name: 'docker-save archive', extensions: ['tar'] }] : [],
    properties: ['createDirectory', 'showOverwriteConfirmation'] as ('createDirectory' | 'showOverwriteConfirmation')[],
  };
}
