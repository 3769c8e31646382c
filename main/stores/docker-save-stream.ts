// Reads a `docker save` tar as a stream, in one pass and without a temp file. Docker writes layer
// blobs before manifest.json, so each layer member is indexed as it streams past (in this thread,
// through indexLayerStream) and hashed, keyed by member name; small JSON members (manifest.json,
// configs, index.json) are kept in memory; the caller maps members to layers once the stream ends.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import * as tarStream from 'tar-stream';
import { StrataError } from '../../shared/errors';
import type { LayerIndex } from '../../shared/model';
import { indexLayerStream } from '../layers/layer-indexer';
import { normalizeMemberName } from './archive-members';
import { MAX_METADATA_BYTES } from './image-config';

/** A layer member indexed while it streamed past. */
export interface StreamedLayer {
  readonly digest: string;
  readonly size: number;
  readonly index: LayerIndex;
}

/** What one pass over a `docker save` stream yields. */
export interface StreamedSave {
  /** Small JSON members by normalised name. */
  readonly metadata: ReadonlyMap<string, Buffer>;
  /** Layer members by normalised name (symlinked duplicates resolve to their target's entry). */
  readonly layers: ReadonlyMap<string, StreamedLayer>;
}

const LEGACY_LAYER = /(^|\/)layer\.tar$/;
const BLOB = /^blobs\/sha(256|512)\/[a-f0-9]+$/;

/** Reads a docker-save stream; `name` prefixes member names in errors (`docker://alpine!<member>`). */
export async function readDockerSaveStream(stream: Readable, name: string, signal?: AbortSignal): Promise<StreamedSave> {
  const metadata = new Map<string, Buffer>();
  const layers = new Map<string, StreamedLayer>();
  const links = new Map<string, string>();
  const extract = tarStream.extract();
  const onAbort = () => stream.destroy(new StrataError('cancelled', `${name}: cancelled.`, { file: name }));
  signal?.addEventListener('abort', onAbort, { once: true });
  stream.on('error', (error) => extract.destroy(error));
  stream.pipe(extract);
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const member = normalizeMemberName(header.name);
      if (header.type === 'symlink' && header.linkname && LEGACY_LAYER.test(member)) {
        links.set(member, normalizeMemberName(joinLink(member, header.linkname)));
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const size = header.size ?? 0;
      const candidate = LEGACY_LAYER.test(member) || BLOB.test(member);
      const it = entry[Symbol.asyncIterator]();
      const first = await it.next();
      const head: Buffer = first.done ? Buffer.alloc(0) : (first.value as Buffer);
      const json = head.length > 0 && (head[0] === 0x7b || head[0] === 0x5b);
      const rest = async function* () {
        if (head.length) yield head;
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
      };
      if (json && size <= MAX_METADATA_BYTES) {
        const chunks: Buffer[] = [];
        for await (const c of rest()) chunks.push(c);
        metadata.set(member, Buffer.concat(chunks));
      } else if (candidate) {
        const hasher = new HashingPass();
        const source = Readable.from(rest()).pipe(hasher);
        const index = await indexLayerStream(source, { name: `${name}!${member}`, compressedSize: size, signal });
        layers.set(member, { digest: hasher.digest(), size, index });
      } else {
        for await (const chunk of rest()) void chunk;
      }
    }
  } catch (error) {
    if (signal?.aborted) throw new StrataError('cancelled', `${name}: cancelled.`, { file: name });
    if (error instanceof StrataError) throw error;
    throw new StrataError('malformed', `${name}: the engine's export is not a readable tar (${(error as Error).message}).`, { file: name });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  for (const [link, target] of links) {
    const found = layers.get(target);
    if (found) layers.set(link, found);
  }
  return { metadata, layers };
}

/** Streams one member of a docker-save stream (the first one named `member`), failing when absent. */
export function extractMember(stream: Readable, member: string, where: string): Readable {
  const out = new Transform({ transform: (chunk, _e, cb) => cb(null, chunk) });
  const extract = tarStream.extract();
  stream.on('error', (error) => out.destroy(error));
  out.on('close', () => stream.destroy());
  let target = member;
  let found = false;
  (async () => {
    for await (const entry of extract) {
      const name = normalizeMemberName(entry.header.name);
      if (name === target && entry.header.type === 'symlink' && entry.header.linkname) target = normalizeMemberName(joinLink(name, entry.header.linkname));
      if (!found && name === target && entry.header.type === 'file') {
        found = true;
        for await (const chunk of entry) if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
        out.end();
        stream.destroy();
        return;
      }
      entry.resume();
    }
    if (!found) out.destroy(new StrataError('not-found', `${where}: member ${member} is missing from the export.`, { file: where, entry: member }));
  })().catch((error: Error) => out.destroy(error));
  stream.pipe(extract);
  return out;
}

function joinLink(member: string, linkname: string): string {
  if (linkname.startsWith('/')) return linkname;
  const parts = member.split('/').slice(0, -1);
  for (const p of linkname.split('/')) {
    if (p === '..') parts.pop();
    else if (p && p !== '.') parts.push(p);
  }
  return parts.join('/');
}

class HashingPass extends Transform {
  private readonly hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
