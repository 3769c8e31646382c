// Loads the details pane's data for the selected path.
import { useEffect, useState } from 'react';
import type { ApiError, PathDetails } from '../../shared/api';
import { api } from '../api-client';

/** Details of one path as of one layer, or why they are missing. */
export interface PathDetailsState {
  readonly details: PathDetails | null;
  readonly error: ApiError | null;
}

/** Fetches the details of `path` (null: nothing selected) whenever it or the layer changes. */
export function usePathDetails(imageId: string, layer: number, path: string | null): PathDetailsState {
  const [state, setState] = useState<PathDetailsState>({ details: null, error: null });
  useEffect(() => {
    if (path === null) {
      setState({ details: null, error: null });
      return;
    }
    let live = true;
    void api.getPathDetails({ imageId, layer, path }).then((result) => {
      if (live) setState(result.ok ? { details: result.value, error: null } : { details: null, error: result.error });
    });
    return () => {
      live = false;
    };
  }, [imageId, layer, path]);
  return state;
}
