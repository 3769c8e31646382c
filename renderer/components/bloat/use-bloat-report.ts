// Loads an image's bloat report through the API client, once per image.
import { useEffect, useState } from 'react';
import type { ApiError } from '../../../shared/api';
import type { BloatReport } from '../../../shared/bloat';
import { api } from '../../api-client';

/** The report, or why it is not there yet. */
export interface BloatState {
  readonly report: BloatReport | null;
  readonly error: ApiError | null;
}

const reports = new Map<string, BloatReport>();

/** The bloat report of `imageId` (kept for the session, so tab switches are instant). */
export function useBloatReport(imageId: string): BloatState {
  const [state, setState] = useState<BloatState>(() => ({ report: reports.get(imageId) ?? null, error: null }));
  useEffect(() => {
    if (reports.has(imageId)) return;
    let live = true;
    void api.getBloat({ imageId }).then((result) => {
      if (!live) return;
      if (result.ok) reports.set(imageId, result.value);
      setState(result.ok ? { report: result.value, error: null } : { report: null, error: result.error });
    });
    return () => {
      live = false;
    };
  }, [imageId]);
  return state;
}
