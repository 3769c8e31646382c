// Lists a folder's regular files as the page sees a dropped or chosen folder: '/'-separated paths inside it.
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';

/** Every regular file below `root`: its path inside `root` (`blobs/sha256/ab…`) and its full path. */
export async function filesBelow(root: string): Promise<{ readonly path: string; readonly full: string }[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return { path: path.relative(root, full).split(path.sep).join('/'), full };
    });
}
