// Layer indexes on disk, keyed by the layer blob's digest and the engine version; atomic writes, verified reads.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ENGINE_VERSION, type LayerIndex } from '../../shared/model';
import { defaultCacheDir } from '../services/cache-location';
import { decodeLayerIndex, encodeLayerIndex } from './index-codec';

/** A directory of cached layer indexes; a corrupt or truncated file is a miss, never served. */
export class IndexCache {
  /** The directory every cache file lives in (nothing is written outside it). */
  readonly dir: string;

  constructor(dir: string = path.join(defaultCacheDir(), 'layers')) {
    this.dir = path.resolve(dir);
  }

  /** The cache file of a digest, or null when the digest is not a plain `algorithm:hex` (never a path). */
  fileFor(digest: string): string | null {
    const match = /^([a-z0-9]+):([a-f0-9]{32,128})$/.exec(digest);
    if (!match) return null;
    return path.join(this.dir, `${match[1]}-${match[2]}.v${ENGINE_VERSION}.idx`);
  }

  /** The cached index of a layer digest, or null (missing, unreadable, corrupt, truncated or older engine). */
  async get(digest: string): Promise<LayerIndex | null> {
    const file = this.fileFor(digest);
    if (!file) return null;
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch {
      return null;
    }
    return decodeLayerIndex(data);
  }

  /** Whether a cache file exists for the digest (`get` may still find it unreadable). */
  async has(digest: string): Promise<boolean> {
    const file = this.fileFor(digest);
    return file !== null && (await fs.access(file).then(() => true, () => false));
  }

  /** Stores an index atomically: a temp file in the same directory, fsync, rename. */
  async put(digest: string, index: LayerIndex): Promise<void> {
    await this.putEncoded(digest, encodeLayerIndex(index));
  }

  /** Stores an index already in index-codec's encoding (as an index worker sends it), byte for byte, like `put`. */
  async putEncoded(digest: string, encoded: Buffer): Promise<void> {
    const file = this.fileFor(digest);
    if (!file) return;
    await fs.mkdir(this.dir, { recursive: true });
    const temp = path.join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(encoded);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await fs.rename(temp, file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }
}
