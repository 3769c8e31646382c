// The Tree view of an open image: toolbar, the virtualised tree of the selected layer, and the details
// of the selected path. `/` focuses the search box.
import { useEffect, useRef, useState } from 'react';
import { isTextEntry } from '../../state/keyboard-target';
import { useLayerTree, type TreeView } from '../../state/use-layer-tree';
import { useTreeView } from '../../state/use-tree-view';
import { ErrorBanner } from '../common/error-banner';
import { DetailsPane } from '../details/details-pane';
import type { RevealRequest, WorkspaceViewProps } from '../workspace/image-workspace';
import { TreeList } from './tree-list';
import { TreeToolbar } from './tree-toolbar';

/** Reveal requests already shown, so that coming back to the tab later does not replay them. */
const shownReveals = new WeakSet<RevealRequest>();

/** Tree and details of the selected layer. */
export function TreeExplorer({ image, layer, onSelectLayer, reveal }: WorkspaceViewProps) {
  const [treeView, setTreeView] = useState<TreeView>(reveal && !shownReveals.has(reveal) ? 'merged' : 'changes');
  const tree = useLayerTree(image.imageId, layer, treeView);
  const view = useTreeView(tree.model);
  const searchRef = useRef<HTMLInputElement>(null);

  // A reveal (from the Bloat view) shows the merged tree of its layer, where the path is sure to be.
  useEffect(() => {
    if (reveal && !shownReveals.has(reveal)) setTreeView('merged');
  }, [reveal]);
  useEffect(() => {
    if (!reveal || shownReveals.has(reveal) || layer !== reveal.layer || !tree.model) return;
    if (tree.model.data.layer !== reveal.layer || tree.model.data.view !== 'merged') return;
    shownReveals.add(reveal);
    view.select(reveal.path);
  }, [reveal, tree.model, layer, view]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || isTextEntry(event.target)) return;
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="explorer">
      <section
        className="tree-pane"
        aria-label="Tree"
        aria-busy={tree.loading}
        data-layer={tree.model?.data.layer}
        data-view={tree.model?.data.view}
      >
        <TreeToolbar model={tree.model} view={view} treeView={treeView} onTreeView={setTreeView} searchRef={searchRef} />
        <div className="tree-header">
          <span className="tree-status" />
          <button type="button" className={`tree-header-name sortable${view.sort === 'name' ? ' is-sorted' : ''}`} onClick={() => view.setSort('name')}>
            Name{view.sort === 'name' ? ' ↓' : ''}
          </button>
          <span className="tree-what">Changed</span>
          {treeView === 'merged' && <span className="tree-layer">Layer</span>}
          <button type="button" className={`tree-size sortable${view.sort === 'size' ? ' is-sorted' : ''}`} onClick={() => view.setSort('size')}>
            Size{view.sort === 'size' ? ' ↓' : ''}
          </button>
        </div>
        {tree.error && <ErrorBanner error={tree.error} />}
        {tree.model ? (
          <div className={`tree-body${tree.loading ? ' is-loading' : ''}`}>
            {tree.model.size === 0 || view.visible.length === 0 ? (
              <p className="empty-note">
                {view.query ? 'No path matches the search.' : treeView === 'changes' ? 'This layer changes nothing.' : 'Nothing to show.'}
              </p>
            ) : (
              <TreeList model={tree.model} view={view} showLayer={treeView === 'merged'} />
            )}
          </div>
        ) : (
          !tree.error && <p className="empty-note">Loading layer {layer}…</p>
        )}
      </section>
      <DetailsPane image={image} layer={layer} path={view.selected} onSelectLayer={onSelectLayer} />
    </div>
  );
}
