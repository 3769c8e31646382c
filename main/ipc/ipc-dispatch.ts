// The IPC boundary as a pure function (no electron import): every call is checked for its sender
// frame, its method name and its input before the service sees it, and every outcome is an ApiResult.
import type { ApiMethod, ApiResult, StrataApi } from '../../shared/api';
import { apiInputSchemas } from '../../shared/api';
import { senderRefusal, type IpcSenderFrame } from '../app-security';
import { toApiError } from '../services/strata-service';

/** Handles one IPC call: (sender frame, method, input) → result value; never throws. */
export type IpcDispatch = (sender: IpcSenderFrame, method: unknown, input: unknown) => Promise<ApiResult<unknown>>;

/** Builds the dispatcher over a service implementing the API contract. */
export function createIpcDispatcher(service: StrataApi): IpcDispatch {
  return async (sender, method, input) => {
    const refusal = senderRefusal(sender);
    if (refusal) return { ok: false, error: { code: 'forbidden', message: refusal } };
    if (typeof method !== 'string' || !Object.hasOwn(apiInputSchemas, method)) {
      const name = typeof method === 'string' ? JSON.stringify(method.slice(0, 64)) : typeof method;
      return { ok: false, error: { code: 'usage', message: `Unknown API method ${name}.` } };
    }
    const handler = (service as unknown as Record<string, unknown>)[method];
    if (typeof handler !== 'function') {
      return { ok: false, error: { code: 'usage', message: `The API method ${method} is not available in this build.` } };
    }
    const parsed = apiInputSchemas[method as ApiMethod].safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      return { ok: false, error: { code: 'usage', message: `Invalid input for ${method}${where}: ${issue?.message ?? 'rejected'}.` } };
    }
    try {
      return await (handler as (input: unknown) => Promise<ApiResult<unknown>>).call(service, parsed.data);
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  };
}
