// The tree pane's controls: changes/merged view, only-changes filter, search with its mode and count,
// expand/collapse all, and the layer's change counts.
import type { RefObject } from 'react';
import { formatCount } from '../../../shared/format';
import type { QueryMode } from '../../state/tree-query';
import type { TreeModel } from '../../state/tree-model';
import type { TreeView } from '../../state/use-layer-tree';
import type { TreeViewState } from '../../state/use-tree-view';
import { ChangeBadges } from '../common/change-badges';

/** Props of the tree toolbar. */
export interface TreeToolbarProps {
  readonly model: TreeModel | null;
  readonly view: TreeViewState;
  readonly treeView: TreeView;
  readonly onTreeView: (view: TreeView) => void;
  readonly searchRef: RefObject<HTMLInputElement | null>;
}

const MODE_HINT: Readonly<Record<QueryMode, string>> = {
  text: 'Search',
  glob: 'Glob: *.so',
  regex: 'Regex',
};
const SEARCH_HELP = 'Matches file names; a query containing / matches whole paths. Upper case makes it case-sensitive. Press / to focus.';

/** Controls above the tree. */
export function TreeToolbar({ model, view, treeView, onTreeView, searchRef }: TreeToolbarProps) {
  return (
    <div className="tree-toolbar">
      <div className="segmented" role="radiogroup" aria-label="Tree view">
        {(['changes', 'merged'] as const).map((v) => (
          <button
            key={v}
            type="button"
            role="radio"
            aria-checked={treeView === v}
            className={`segmented-item${treeView === v ? ' is-active' : ''}`}
            onClick={() => onTreeView(v)}
            title={v === 'changes' ? 'What this layer created, changed and deleted' : 'The whole filesystem as of this layer'}
          >
            {v === 'changes' ? 'Changes' : 'Merged'}
          </button>
        ))}
      </div>
      <label className={`checkbox${treeView === 'changes' ? ' is-disabled' : ''}`}>
        <input
          type="checkbox"
          checked={view.onlyChanges || treeView === 'changes'}
          disabled={treeView === 'changes'}
          onChange={(event) => view.setOnlyChanges(event.target.checked)}
        />
        Only changes
      </label>
      <div className={`search${view.queryError ? ' is-invalid' : ''}`}>
        <input
          ref={searchRef}
          className="input mono search-input"
          type="search"
          aria-label="Search paths"
          placeholder={`${MODE_HINT[view.mode]}   /`}
          title={SEARCH_HELP}
          spellCheck={false}
          value={view.query}
          onChange={(event) => view.setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              view.setQuery('');
              event.currentTarget.blur();
            }
          }}
        />
        <select className="select" aria-label="Search mode" value={view.mode} onChange={(event) => view.setMode(event.target.value as QueryMode)}>
          <option value="text">text</option>
          <option value="glob">glob</option>
          <option value="regex">regex</option>
        </select>
        <span className="search-count" aria-live="polite" title={view.queryError ?? undefined}>
          {view.queryError ? 'invalid' : view.matches === null ? '' : `${formatCount(view.matches)} ${view.matches === 1 ? 'match' : 'matches'}`}
        </span>
      </div>
      <div className="tree-toolbar-end">
        {model && <ChangeBadges {...model.counts} />}
        <button type="button" className="button button-small" onClick={view.expandAll} title="Expand all">
          Expand all
        </button>
        <button type="button" className="button button-small" onClick={view.collapseAll} title="Collapse all">
          Collapse
        </button>
      </div>
    </div>
  );
}
