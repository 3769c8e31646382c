// Drag-and-drop anywhere on the window: files dropped on the page go to the session; an overlay shows
// while files hover. Drags that carry no files (reordering a list) are left alone.
import { useEffect, useState, type ReactNode } from 'react';
import type { ApiError } from '../../../shared/api';
import { transport } from '../../api-client';

/** Props of the window-wide drop target. */
export interface DropTargetProps {
  readonly onFiles: (files: readonly File[]) => void;
  readonly onError: (error: ApiError) => void;
  readonly children: ReactNode;
}

const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

/** Wraps the app; listens on the window so a drop works anywhere. */
export function DropTarget({ onFiles, onError, children }: DropTargetProps) {
  const [hovering, setHovering] = useState(false);

  useEffect(() => {
    let depth = 0;
    const onEnter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth++;
      setHovering(true);
    };
    const onLeave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setHovering(false);
    };
    const onOver = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (event: DragEvent) => {
      if (!carriesFiles(event) || !event.dataTransfer) return;
      event.preventDefault();
      depth = 0;
      setHovering(false);
      const items = [...event.dataTransfer.items].filter((item) => item.kind === 'file');
      const folder = items.find((item) => item.webkitGetAsEntry?.()?.isDirectory);
      if (folder && transport === 'browser') {
        const name = folder.getAsFile()?.name ?? 'folder';
        onError({
          code: 'usage',
          message: `${name} is a folder: a browser cannot upload folders. Type its path on the start screen instead.`,
          file: name,
        });
        return;
      }
      onFiles([...event.dataTransfer.files]);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [onFiles, onError]);

  return (
    <>
      {children}
      {hovering && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-card">
            <div className="drop-overlay-title">Drop to open</div>
            <div className="drop-overlay-text">One image archive opens it; several layer tarballs are stacked in drop order.</div>
          </div>
        </div>
      )}
    </>
  );
}
