// A registry blob's body as a Node stream, verified (size and digest) as it flows. It reads the response body's
// 'data' events itself (no Transform hop) and pauses the body while its reader wants no more.
import { Readable } from 'node:stream';
import type { DigestCheck } from './digest-verifier';

/** Streams a response body through a DigestCheck; read errors go through `mapError` (given the bytes read so far). */
export class BlobBodyStream extends Readable {
  private ended = false;

  constructor(
    private readonly body: Readable,
    private readonly check: DigestCheck,
    private readonly mapError: (error: unknown, bytesRead: number) => Error,
  ) {
    super({ highWaterMark: 256 * 1024 });
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
    if (!this.push(chunk)) this.body.pause();
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
    this.push(null);
  }
}
