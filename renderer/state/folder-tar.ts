// A dropped or chosen folder as one tar Blob, for browsers: a page cannot name a folder on the server's
// disk, so an OCI layout folder is packed (file contents stay lazy Blob parts, nothing is read here) and
// uploaded as an OCI archive, which the engine opens like the folder. Pure: Blob and TextEncoder only.

/** One regular file of a folder: its path inside the folder (`blobs/sha256/ab…`) and its bytes. */
export interface FolderFile {
  readonly path: string;
  readonly file: Blob;
}

const BLOCK = 512;
const encoder = new TextEncoder();
/** Largest size the ustar octal field holds (8 GiB − 1); bigger files get a PAX `size` record. */
const MAX_OCTAL_SIZE = 0o77777777777;

/** Whether the folder is an OCI image layout (it has the `oci-layout` marker file at its top). */
export function isOciLayoutFolder(files: readonly FolderFile[]): boolean {
  return files.some((f) => f.path === 'oci-layout');
}

/** The folder as a POSIX tar (ustar, with PAX records for long names and huge files), files in path order. */
export function folderTar(files: readonly FolderFile[]): Blob {
  const parts: BlobPart[] = [];
  for (const { path, file } of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const name = encoder.encode(path);
    const records: [string, string][] = [];
    if (name.length > 100) records.push(['path', path]);
    if (file.size > MAX_OCTAL_SIZE) records.push(['size', String(file.size)]);
    if (records.length > 0) {
      const pax = new Uint8Array(encoder.encode(records.map(([key, value]) => paxRecord(key, value)).join('')));
      parts.push(header(encoder.encode('PaxHeader'), pax.length, 'x'), pax, padding(pax.length));
    }
    // A long name is cut in the ustar field; the PAX `path` record before it gives the whole name.
    parts.push(header(name, Math.min(file.size, MAX_OCTAL_SIZE), '0'));
    parts.push(file, padding(file.size));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return new Blob(parts, { type: 'application/x-tar' });
}

/** `"<length> <key>=<value>\n"`, where length counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = encoder.encode(body).length;
  let length = bytes + 1;
  while (length !== bytes + String(length).length) length = bytes + String(length).length;
  return `${length}${body}`;
}

function padding(size: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

function header(name: Uint8Array, size: number, type: '0' | 'x'): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, text: string) => block.set(encoder.encode(text), offset);
  const octal = (offset: number, width: number, value: number) => put(offset, `${value.toString(8).padStart(width - 1, '0')}\0`);
  block.set(name.subarray(0, 100), 0);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 0);
  put(148, '        ');
  put(156, type);
  put(257, 'ustar\u000000');
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}
