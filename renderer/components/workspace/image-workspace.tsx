// An open image: header, the ancestry chain (which selects the layer for every view), and the views
// as tabs. `[` and `]` select the previous and next layer. A registry or Docker engine image offers
// "Save image…" in the header.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { ImageView, SourceSpec } from '../../../shared/api';
import { formatBytes, shortDigest } from '../../../shared/format';
import { isTextEntry } from '../../state/keyboard-target';
import { LayerChain } from '../chain/layer-chain';
import { SaveImageForm } from '../remote/save-image-form';

/** A request to show a path in the Tree view's merged tree of a layer (`nonce` tells repeats apart). */
export interface RevealRequest {
  readonly path: string;
  readonly layer: number;
  readonly nonce: number;
}

/** Props every workspace view receives: the image and the layer selected in the chain. */
export interface WorkspaceViewProps {
  readonly image: ImageView;
  readonly layer: number;
  readonly onSelectLayer: (layer: number) => void;
  /** The latest reveal request, or null. */
  readonly reveal: RevealRequest | null;
  /** Selects `layer`, switches to the Tree tab and selects `path` there. */
  readonly onReveal: (path: string, layer: number) => void;
}

/** One tab of the workspace. */
export interface WorkspaceTab {
  readonly id: string;
  readonly label: string;
  readonly render: (props: WorkspaceViewProps) => ReactNode;
}

/** Props of the workspace. */
export interface ImageWorkspaceProps {
  readonly image: ImageView;
  readonly tabs: readonly WorkspaceTab[];
  /** The platforms of the source when it is a multi-platform index (offered when saving). */
  readonly platforms: readonly string[];
  readonly onClose: () => void;
  /** Opens another source (the image just saved). */
  readonly onOpen: (source: SourceSpec, label: string) => void;
}

/** Kinds of source whose image can be saved to disk (a reference the save job can fetch again). */
const SAVABLE = new Set<ImageView['sourceKind']>(['registry', 'docker-engine']);

/** The main window once an image is analysed. */
export function ImageWorkspace({ image, tabs, platforms, onClose, onOpen }: ImageWorkspaceProps) {
  const [layer, setLayer] = useState(image.layers.length - 1);
  const [saving, setSaving] = useState(false);
  const [tab, setTab] = useState(tabs[0].id);
  const [reveal, setReveal] = useState<RevealRequest | null>(null);
  const onReveal = useCallback((path: string, at: number) => {
    setLayer(at);
    setTab('tree');
    setReveal((r) => ({ path, layer: at, nonce: (r?.nonce ?? 0) + 1 }));
  }, []);
  const active = tabs.find((t) => t.id === tab) ?? tabs[0];

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTextEntry(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === '[') setLayer((l) => Math.max(0, l - 1));
      else if (event.key === ']') setLayer((l) => Math.min(image.layers.length - 1, l + 1));
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [image.layers.length]);

  return (
    <div className="workspace">
      <header className="topbar">
        <span className="topbar-brand">Strata</span>
        <span className="topbar-image mono" title={image.location}>
          {image.name || image.location}
        </span>
        <span className="topbar-meta mono">
          {[shortDigest(image.id), image.platform, `${image.layers.length} layers`, `${formatBytes(image.uncompressedSize)} (${formatBytes(image.compressedSize)} stored)`]
            .filter(Boolean)
            .join('  ·  ')}
        </span>
        <span className="topbar-spacer" />
        {SAVABLE.has(image.sourceKind) && (
          <button type="button" className="button button-small" aria-expanded={saving} onClick={() => setSaving(!saving)}>
            Save image…
          </button>
        )}
        <button type="button" className="button button-small" onClick={onClose}>
          Close image
        </button>
      </header>
      {saving && (
        <div className="topbar-save">
          <SaveImageForm reference={image.location} platforms={platforms} platform={image.platform} onOpen={onOpen} onClose={() => setSaving(false)} />
        </div>
      )}
      <div className="workspace-body">
        <LayerChain image={image} selected={layer} onSelect={setLayer} />
        <div className="workspace-main">
          <div className="tabs" role="tablist" aria-label="Views">
            {tabs.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={t.id === active.id}
                className={`tab${t.id === active.id ? ' is-active' : ''}`}
                onClick={() => setTab(t.id)}
              >
                {t.label}
              </button>
            ))}
            <span className="tabs-layer mono">
              layer {layer} of {image.layers.length - 1}
            </span>
          </div>
          <div className="tab-panel" role="tabpanel">
            {active.render({ image, layer, onSelectLayer: setLayer, reveal, onReveal })}
          </div>
        </div>
      </div>
    </div>
  );
}
