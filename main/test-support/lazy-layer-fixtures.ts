// Test-only: writes eStargz and zstd:chunked layer blobs (with their TOC, footer and annotations) from
// fixture entries, following the formats' published layouts, so lazy listing can be checked against
// a full read of the same bytes.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as zstd from 'zstd-napi';
import { makeLayerTar, type FixtureEntry } from './layer-tar';

/** A layer blob with the annotations its manifest descriptor carries. */
export interface LazyFixture {
  readonly blob: Buffer;
  readonly mediaType: string;
  readonly annotations: Record<string, string>;
  /** The uncompressed tar the blob decompresses to (its diff_id source). */
  readonly tar: Buffer;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const TYPES: Record<string, string> = {
  file: 'reg',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

function tocJson(entries: readonly FixtureEntry[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 1,
      entries: entries.map((e) => {
        const type = TYPES[e.type ?? 'file'] ?? 'reg';
        const content = type === 'reg' ? Buffer.from(e.content ?? '') : Buffer.alloc(0);
        return {
          name: e.name,
          type,
          ...(type === 'reg' ? { size: content.length, digest: sha256(content) } : {}),
          modtime: new Date((e.mtime ?? 1_700_000_000) * 1000).toISOString().replace('.000Z', 'Z'),
          mode: e.mode ?? (type === 'dir' ? 0o755 : 0o644),
          uid: e.uid ?? 0,
          gid: e.gid ?? 0,
          ...(e.linkname !== undefined ? { linkName: e.linkname } : {}),
        };
      }),
    }),
  );
}

/** An eStargz blob: the layer tar (one gzip member), the TOC tar member, then the 51-byte footer. */
export async function makeEstargzLayer(entries: readonly FixtureEntry[]): Promise<LazyFixture> {
  const body = await makeLayerTar(entries);
  const withoutEnd = body.subarray(0, body.length - 1024);
  const toc = tocJson(entries);
  const tocTar = await makeLayerTar([{ name: 'stargz.index.json', type: 'file', content: toc, mtime: 0 }]);
  const parts: Buffer[] = [gzipSync(withoutEnd)];
  const tocOffset = parts[0].length;
  parts.push(gzipSync(tocTar));
  parts.push(estargzFooter(tocOffset));
  return {
    blob: Buffer.concat(parts),
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    annotations: {
      'containerd.io/snapshot/stargz/toc.digest': sha256(toc),
      'io.containers.estargz.uncompressed-size': String(withoutEnd.length + tocTar.length),
    },
    tar: Buffer.concat([withoutEnd, tocTar]),
  };
}

function estargzFooter(tocOffset: number): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 26, 0, 0x53, 0x47, 22, 0]);
  const data = Buffer.from(`${tocOffset.toString(16).padStart(16, '0')}STARGZ`, 'latin1');
  const emptyDeflate = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);
  return Buffer.concat([header, data, emptyDeflate, Buffer.alloc(8)]);
}

function skippable(content: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x184d2a50, 0);
  head.writeUInt32LE(content.length, 4);
  return Buffer.concat([head, content]);
}

/** A zstd:chunked blob: zstd frames of the tar, then the TOC, tar-split and footer skippable frames. */
export async function makeZstdChunkedLayer(entries: readonly FixtureEntry[]): Promise<LazyFixture> {
  const tar = await makeLayerTar(entries);
  const data = zstd.compress(tar);
  const toc = tocJson(entries);
  const manifest = zstd.compress(toc);
  const tarSplit = zstd.compress(Buffer.from('{"type":2,"payload":"","position":0}\n'));
  const manifestOffset = data.length + 8;
  const tarSplitOffset = manifestOffset + manifest.length + 8;
  const footer = Buffer.alloc(64);
  const fields = [manifestOffset, manifest.length, toc.length, 1, tarSplitOffset, tarSplit.length, 38];
  fields.forEach((n, i) => footer.writeBigUInt64LE(BigInt(n), i * 8));
  footer.write('GNUlInUx', 56, 'latin1');
  return {
    blob: Buffer.concat([data, skippable(manifest), skippable(tarSplit), skippable(footer)]),
    mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
    annotations: {
      'io.github.containers.zstd-chunked.manifest-checksum': sha256(manifest),
      'io.github.containers.zstd-chunked.manifest-position': `${manifestOffset}:${manifest.length}:${toc.length}:1`,
    },
    tar,
  };
}
