// Loads one layer's tree (changes or merged view) and builds its model; keeps the last few so that
// switching back and forth between layers is instant.
import { useEffect, useState } from 'react';
import type { ApiError } from '../../shared/api';
import { api } from '../api-client';
import { buildTreeModel, type TreeModel } from './tree-model';

/** Which tree of an image to show. */
export type TreeView = 'changes' | 'merged';

/** A loaded tree, or why it is not there yet. */
export interface LayerTree {
  readonly model: TreeModel | null;
  readonly loading: boolean;
  readonly error: ApiError | null;
}

const KEEP = 4;
const models = new Map<string, TreeModel>();

function remember(key: string, model: TreeModel): void {
  models.delete(key);
  models.set(key, model);
  if (models.size > KEEP) models.delete(models.keys().next().value as string);
}

/** The tree of `layer` in `view`; the previous model stays on screen while the next one loads. */
export function useLayerTree(imageId: string, layer: number, view: TreeView): LayerTree {
  const key = `${imageId}:${layer}:${view}`;
  const [tree, setTree] = useState<LayerTree>(() => ({ model: models.get(key) ?? null, loading: !models.has(key), error: null }));

  useEffect(() => {
    const hit = models.get(key);
    if (hit) {
      setTree({ model: hit, loading: false, error: null });
      return;
    }
    let live = true;
    setTree((t) => ({ ...t, loading: true, error: null }));
    void api.getLayerTree({ imageId, layer, view }).then((result) => {
      if (!live) return;
      if (!result.ok) {
        setTree({ model: null, loading: false, error: result.error });
        return;
      }
      const model = buildTreeModel(result.value);
      remember(key, model);
      setTree({ model, loading: false, error: null });
    });
    return () => {
      live = false;
    };
  }, [key, imageId, layer, view]);

  return tree;
}
