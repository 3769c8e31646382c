// A source holding several images (a multi-image `docker save`, an index): pick one.
import type { SourceInfo } from '../../../shared/api';
import type { ImageChoice } from '../../../shared/model';
import { shortDigest } from '../../../shared/format';

/** Lists the images of a source; choosing one analyses it. */
export function ImageChooser({ source, onChoose, onCancel }: { readonly source: SourceInfo; readonly onChoose: (choice: ImageChoice) => void; readonly onCancel: () => void }) {
  return (
    <main className="progress-screen">
      <section className="start-card" aria-labelledby="choose-heading">
        <h2 id="choose-heading">
          <span className="mono">{source.location}</span> holds {source.images.length} images
        </h2>
        <ul className="recent-list">
          {source.images.map((image) => (
            <li key={`${image.name}:${image.id}:${image.platform}`}>
              <button type="button" className="recent-item" onClick={() => onChoose(image)}>
                <span className="recent-label mono">{image.name || shortDigest(image.id)}</span>
                <span className="recent-meta mono">
                  {shortDigest(image.id)} {image.platform}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <div className="start-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </section>
    </main>
  );
}
