// A registry blob's body as a Node stream: verified (size and digest) as it flows, and gathered into chunks of
// about 256 KiB, so the layer engine handles a few big chunks instead of many 16–64 KiB socket reads. It reads
// the response body's 'data' events itself (no Transform hop) and pauses it while its own buffer is full.
import { Readable } from 'node:stream';
import type { DigestCheck } from './digest-verifier';

/** Bytes gathered into one emitted chunk. */
const GATHER_BYTES = 256 * 1024;

/** Streams a response body through a DigestCheck; read errors go through `mapError` (given the bytes read so far). */
export class BlobBodyStream extends Readable {
  private parts: Buffer[] = [];
  private length = 0;
  private ended = false;

  constructor(
    private readonly body: Readable,
    private readonly check: DigestCheck,
    private readonly mapError: (error: unknown, bytesRead: number) => Error,
  ) {
    super({ highWaterMark: GATHER_BYTES });
    body.pause();
    body.on('data', (chunk: Buffer) => this.onData(chunk));
    body.on('end', () => this.onEnd());
    body.on('error', (error) => this.destroy(this.mapError(error, this.check.bytes)));
    body.on('close', () => {
      if (!this.ended && !this.destroyed) this.destroy(this.mapError(new Error('the body closed before its end'), this.check.bytes));
    });
  }

  override _read(): void {
    this.body.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.body.destroy();
    callback(error);
  }

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    try {
      this.check.update(chunk);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    this.parts.push(chunk);
    this.length += chunk.length;
    if (this.length >= GATHER_BYTES && !this.flush()) this.body.pause();
  }

  private onEnd(): void {
    this.ended = true;
    if (this.destroyed) return;
    try {
      this.check.finish();
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    if (this.length > 0) this.flush();
    this.push(null);
  }

  /** Pushes the gathered bytes as one chunk; false when the reader wants no more for now. */
  private flush(): boolean {
    const chunk = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    return this.push(chunk);
  }
}
