// A registry blob's body as a Node stream, read straight from fetch's web stream (no Readable.fromWeb and
// Transform hops), verified (size and digest) as it flows, and gathered into chunks of about 256 KiB so
// the layer engine handles a few big chunks instead of many 16–64 KiB socket reads.
import { Readable } from 'node:stream';
import type { ReadableStream, ReadableStreamDefaultReader } from 'node:stream/web';
import type { DigestCheck } from './digest-verifier';

/** Bytes gathered into one emitted chunk. */
const GATHER_BYTES = 256 * 1024;

/** Streams a response body through a DigestCheck; read errors go through `mapError` (given the bytes read so far). */
export class BlobBodyStream extends Readable {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private reading = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly check: DigestCheck,
    private readonly mapError: (error: unknown, bytesRead: number) => Error,
  ) {
    super({ highWaterMark: GATHER_BYTES });
    this.reader = body.getReader();
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.pull();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.reader.cancel().catch(() => undefined);
    callback(error);
  }

  private async pull(): Promise<void> {
    const parts: Uint8Array[] = [];
    let length = 0;
    let ended = false;
    try {
      while (length < GATHER_BYTES) {
        const { done, value } = await this.reader.read();
        if (done) {
          this.check.finish();
          ended = true;
          break;
        }
        this.check.update(value);
        parts.push(value);
        length += value.length;
      }
    } catch (error) {
      this.destroy(this.mapError(error, this.check.bytes));
      return;
    }
    if (this.destroyed) return;
    this.reading = false;
    if (length > 0) this.push(parts.length === 1 ? Buffer.from(parts[0].buffer, parts[0].byteOffset, length) : Buffer.concat(parts, length));
    if (ended) this.push(null);
  }
}
