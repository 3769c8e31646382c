// The ancestry chain, base to top: one row per layer with its build step and change counts, and the
// history steps that made no layer (ENV, LABEL…) dimmed between them.
import { useState } from 'react';
import type { ImageView } from '../../../shared/api';
import { formatBytes, shortDigest, trimBuildStep } from '../../../shared/format';
import type { HistoryStep, LayerSummary } from '../../../shared/model';
import { ChangeBadges } from '../common/change-badges';
import { LazyBadge } from './lazy-badge';

/** Props of the chain pane. */
export interface LayerChainProps {
  readonly image: ImageView;
  readonly selected: number;
  readonly onSelect: (layer: number) => void;
}

/** The chain pane; the selected layer drives every other view. */
export function LayerChain({ image, selected, onSelect }: LayerChainProps) {
  return (
    <nav className="chain" aria-label="Layers">
      <div className="pane-header">
        <span className="pane-title">Layers</span>
        <span className="pane-meta">{image.layers.length} · {formatBytes(image.uncompressedSize)}</span>
      </div>
      <ol className="chain-list" role="listbox" aria-label="Ancestry chain, base first">
        {image.layers.map((layer) => (
          <ChainEntry key={layer.index} layer={layer} selected={layer.index === selected} onSelect={onSelect} />
        ))}
        {image.emptyStepsAfter.map((step, i) => (
          <EmptyStep key={`after-${i}`} step={step} />
        ))}
      </ol>
    </nav>
  );
}

function EmptyStep({ step }: { readonly step: HistoryStep }) {
  const text = trimBuildStep(step.createdBy) || step.comment || '(empty step)';
  return (
    <li className="chain-empty" title={step.createdBy}>
      <span className="chain-empty-dot" aria-hidden="true" />
      <span className="chain-empty-text mono">{text}</span>
    </li>
  );
}

function ChainEntry({ layer, selected, onSelect }: { readonly layer: LayerSummary; readonly selected: boolean; readonly onSelect: (layer: number) => void }) {
  const [open, setOpen] = useState(false);
  const step = trimBuildStep(layer.step.createdBy) || layer.step.comment;
  return (
    <>
      {layer.emptyStepsBefore.map((s, i) => (
        <EmptyStep key={`before-${layer.index}-${i}`} step={s} />
      ))}
      <li
        className={`chain-layer${selected ? ' is-selected' : ''}`}
        role="option"
        aria-selected={selected}
        data-layer={layer.index}
        onClick={() => onSelect(layer.index)}
      >
        <div className="chain-line">
          <span className="chain-index mono">{layer.index}</span>
          <span className="chain-digest mono" title={`${layer.digest}\ndiff id ${layer.diffId}`}>
            {shortDigest(layer.digest) || 'no digest'}
          </span>
          <span className="chain-size mono" title={`${formatBytes(layer.size)} stored (${layer.compression}), ${formatBytes(layer.uncompressedSize)} uncompressed`}>
            {formatBytes(layer.uncompressedSize)}
          </span>
        </div>
        <div className="chain-line">
          <ChangeBadges {...layer.counts} />
          <LazyBadge layer={layer} />
          {layer.warnings.length > 0 && (
            <span className="chain-warnings" title={layer.warnings.map((w) => w.message).join('\n')}>
              ⚠ {layer.warnings.length}
            </span>
          )}
        </div>
        {step && (
          <div className={`chain-step mono${open ? ' is-open' : ''}`} title={layer.step.createdBy}>
            <button
              type="button"
              className="chain-step-toggle"
              aria-expanded={open}
              aria-label={open ? 'Collapse build step' : 'Show the full build step'}
              onClick={(event) => {
                event.stopPropagation();
                setOpen(!open);
              }}
            >
              {open ? '▾' : '▸'}
            </button>
            <span className="chain-step-text">{open ? layer.step.createdBy : step}</span>
          </div>
        )}
      </li>
    </>
  );
}
