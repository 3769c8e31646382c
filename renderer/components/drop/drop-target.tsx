// Drag-and-drop anywhere on the window: files dropped on the page go to the session; an overlay shows
// while files hover. Drags that carry no files (reordering a list) are left alone. A folder dropped in
// Electron is a local path like a file; in a browser its files are read here and handed over as a folder.
import { useEffect, useState, type ReactNode } from 'react';
import type { ApiError } from '../../../shared/api';
import { transport } from '../../api-client';
import { filesOfDirectoryEntry, type GivenFolder } from '../../state/folder-files';

/** Props of the window-wide drop target. */
export interface DropTargetProps {
  readonly onFiles: (files: readonly File[]) => void;
  /** A folder dropped into a browser page, with its files. */
  readonly onFolder: (folder: GivenFolder) => void;
  readonly onError: (error: ApiError) => void;
  readonly children: ReactNode;
}

const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

/** Wraps the app; listens on the window so a drop works anywhere. */
export function DropTarget({ onFiles, onFolder, onError, children }: DropTargetProps) {
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
      // Entries must be taken while the drop event runs; their files can be read afterwards.
      const folder = items.map((item) => item.webkitGetAsEntry?.()).find((entry) => entry?.isDirectory);
      if (folder && transport === 'browser') {
        if (items.length > 1) {
          onError({ code: 'usage', message: `${folder.name} is a folder: drop a folder on its own, not together with other files.`, file: folder.name });
          return;
        }
        filesOfDirectoryEntry(folder as FileSystemDirectoryEntry).then(onFolder, (error: unknown) =>
          onError({ code: 'io', message: `The dropped folder ${folder.name} cannot be read: ${(error as Error).message ?? String(error)}`, file: folder.name }),
        );
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
  }, [onFiles, onFolder, onError]);

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
