// The files of a folder given to the page, as FolderFile lists (paths relative to the folder): a folder
// dropped into a browser, through the File and Directory Entries API, or one chosen in an
// `<input webkitdirectory>`; and, in Electron, the folder's own path found from one of its files.
import type { FolderFile } from './folder-tar';

/** A folder the user gave the page: its name and its regular files. */
export interface GivenFolder {
  readonly name: string;
  readonly files: readonly FolderFile[];
}

/** Every regular file under a dropped directory entry, read batch by batch (Chromium hands out 100 at a time). */
export async function filesOfDirectoryEntry(root: FileSystemDirectoryEntry): Promise<GivenFolder> {
  const files: FolderFile[] = [];
  const walk = async (directory: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    const reader = directory.createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) return;
      for (const entry of batch) {
        if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, `${prefix}${entry.name}/`);
        else if (entry.isFile) {
          const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
          files.push({ path: `${prefix}${entry.name}`, file });
        }
      }
    }
  };
  await walk(root, '');
  return { name: root.name, files };
}

/** The folder chosen in an `<input webkitdirectory>`: each file's `webkitRelativePath` starts with the folder's name. */
export function filesOfChosenFolder(list: readonly File[]): GivenFolder | null {
  if (list.length === 0) return null;
  const name = list[0].webkitRelativePath.split('/')[0] || list[0].name;
  return { name, files: list.map((file) => ({ path: file.webkitRelativePath.split('/').slice(1).join('/') || file.name, file })) };
}

/** The folder holding a file, given the file's local path and its path inside the folder (`blobs/sha256/ab…`). */
export function folderRoot(filePath: string, pathInside: string): string {
  let root = filePath;
  for (let n = pathInside.split('/').length; n > 0; n--) root = root.replace(/[\\/][^\\/]*$/, '');
  return root || '/';
}
