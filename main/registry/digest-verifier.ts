// Checks a blob's size and digest as its bytes go past, failing at the end (or as soon as the blob
// grows past its size) with a 'digest-mismatch' StrataError: as a running check and as a pass-through stream.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StrataError } from '../../shared/errors';

/** A running size and digest check over bytes fed in order. */
export class DigestCheck {
  private readonly hash: Hash;
  private readonly algorithm: string;
  /** Bytes seen so far. */
  bytes = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    private readonly name: string,
  ) {
    this.algorithm = digest.slice(0, digest.indexOf(':'));
    if (this.algorithm !== 'sha256' && this.algorithm !== 'sha512') {
      throw new StrataError('malformed', `${name}: unsupported digest algorithm in ${JSON.stringify(digest)}.`, { file: name });
    }
    this.hash = createHash(this.algorithm);
  }

  /** Hashes the next bytes; throws when the blob is now larger than its declared size (size < 0: unknown). */
  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.size >= 0 && this.bytes > this.size) {
      throw new StrataError('digest-mismatch', `${this.name}: the blob is larger than its declared ${this.size} bytes.`, { file: this.name });
    }
    this.hash.update(chunk);
  }

  /** Throws unless the bytes seen have the declared size and digest. */
  finish(): void {
    if (this.size >= 0 && this.bytes !== this.size) {
      throw new StrataError('digest-mismatch', `${this.name}: the blob has ${this.bytes} bytes, not the declared ${this.size}.`, { file: this.name });
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.digest) {
      throw new StrataError('digest-mismatch', `${this.name}: the content's digest is ${actual}, not ${this.digest}.`, { file: this.name });
    }
  }
}

/** Verifies that the bytes passing through have `digest` and (when ≥ 0) `size`. */
export class DigestVerifier extends Transform {
  private readonly check: DigestCheck;

  constructor(digest: string, size: number, name: string) {
    super();
    this.check = new DigestCheck(digest, size, name);
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.check.bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.check.update(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.check.finish();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }
}
