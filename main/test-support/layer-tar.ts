// Builds layer tarballs in memory for tests and the sample image (tar-stream's packer), and
// compresses them with each format the engine reads. Test-only code: nothing in the app imports it.
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import * as tarStream from 'tar-stream';
import * as zstd from 'zstd-napi';
import * as lzma from 'lzma-native';
import type { Compression } from '../../shared/model';

/** One entry to write; `name` is written verbatim (so tests can write `./a`, `/a`, `../x`, `a/`). */
export interface FixtureEntry {
  readonly name: string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo' | 'contiguous-file';
  readonly content?: string | Buffer;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since the epoch; default 1700000000. */
  readonly mtime?: number;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
  readonly pax?: Record<string, string>;
}

/** Shorthand for a regular file entry. */
export function file(name: string, content: string | Buffer = '', extra: Partial<FixtureEntry> = {}): FixtureEntry {
  return { name, type: 'file', content, ...extra };
}

/** Shorthand for a directory entry. */
export function dir(name: string, extra: Partial<FixtureEntry> = {}): FixtureEntry {
  return { name, type: 'directory', mode: 0o755, ...extra };
}

/** Shorthand for a whiteout of `path` (`/a/b` → `a/.wh.b`). */
export function whiteout(path: string): FixtureEntry {
  const parts = path.replace(/^\/+/, '').split('/');
  const base = parts.pop() ?? '';
  return file([...parts, `.wh.${base}`].join('/'), '');
}

/** Shorthand for an opaque-directory marker inside `dirPath`. */
export function opaque(dirPath: string): FixtureEntry {
  const d = dirPath.replace(/^\/+|\/+$/g, '');
  return file(d ? `${d}/.wh..wh..opq` : '.wh..wh..opq', '');
}

/** Writes the entries as an uncompressed tar (with end-of-archive blocks). */
export async function makeLayerTar(entries: readonly FixtureEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' || type === 'contiguous-file' ? Buffer.from(e.content ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      const header: Partial<tarStream.Header> & { name: string } = {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        mtime: new Date((e.mtime ?? 1_700_000_000) * 1000),
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
        ...(e.devmajor !== undefined ? { devmajor: e.devmajor } : {}),
        ...(e.devminor !== undefined ? { devminor: e.devminor } : {}),
        ...(e.pax ? { pax: e.pax } : {}),
        size: body?.length ?? 0,
      };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) pack.entry(header, body, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Compresses a buffer in the given format (bzip2 through Debian's `bzip2` program). */
export async function compressBuffer(data: Buffer, format: Compression): Promise<Buffer> {
  switch (format) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'zstd':
      return zstd.compress(data);
    case 'xz':
      return new Promise((resolve, reject) => {
        lzma.compress(data, { preset: 1 }, (result: Buffer | undefined, error?: Error) =>
          error || !result ? reject(error ?? new Error('xz compression failed')) : resolve(result),
        );
      });
    case 'bzip2':
      return execFileSync('bzip2', ['-c'], { input: data, maxBuffer: 1 << 30 });
  }
}
