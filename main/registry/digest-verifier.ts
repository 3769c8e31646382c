// A pass-through stream that checks a blob's size and digest as it flows, failing at the end (or as
// soon as the blob grows past its size) with a 'digest-mismatch' StrataError.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StrataError } from '../../shared/errors';

/** Verifies that the bytes passing through have `digest` and (when ≥ 0) `size`. */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  /** Bytes seen so far. */
  bytes = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    private readonly name: string,
  ) {
    super();
    const algorithm = digest.slice(0, digest.indexOf(':'));
    if (algorithm !== 'sha256' && algorithm !== 'sha512') {
      throw new StrataError('malformed', `${name}: unsupported digest algorithm in ${JSON.stringify(digest)}.`, { file: name });
    }
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.size >= 0 && this.bytes > this.size) {
      callback(new StrataError('digest-mismatch', `${this.name}: the blob is larger than its declared ${this.size} bytes.`, { file: this.name }));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.size >= 0 && this.bytes !== this.size) {
      callback(new StrataError('digest-mismatch', `${this.name}: the blob has ${this.bytes} bytes, not the declared ${this.size}.`, { file: this.name }));
      return;
    }
    const actual = `${this.digest.slice(0, this.digest.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== this.digest) {
      callback(new StrataError('digest-mismatch', `${this.name}: the content's digest is ${actual}, not ${this.digest}.`, { file: this.name }));
      return;
    }
    callback();
  }
}
