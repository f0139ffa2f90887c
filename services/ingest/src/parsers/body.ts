// An upload as it streams in: byte limit and checksum on the way, strict UTF-8 decoding.
import { createHash } from 'node:crypto';
import { PayloadTooLarge } from '@datenpool/service-kit';
import { MalformedBody } from '../pipeline/rows.ts';

export class UploadBody {
  bytes = 0;
  readonly #hash = createHash('sha256');
  #consumed = false;

  constructor(
    private readonly source: AsyncIterable<Buffer | Uint8Array | string>,
    private readonly limit: number,
  ) {}

  /** the raw bytes, counted and hashed; more than the limit is a 413 */
  async *chunks(): AsyncGenerator<Buffer> {
    if (this.#consumed) throw new Error('the upload body was already read');
    this.#consumed = true;
    for await (const chunk of this.source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.bytes += bytes.length;
      if (this.bytes > this.limit) throw new PayloadTooLarge(this.limit);
      this.#hash.update(bytes);
      yield bytes;
    }
  }

  /** the body as text; bytes that are not UTF-8 make it a malformed body (a leading BOM is dropped) */
  async *text(): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const decode = (bytes?: Buffer): string => {
      try {
        return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
      } catch {
        throw new MalformedBody('The body is not valid UTF-8 text (declare and send UTF-8, with or without BOM).');
      }
    };
    for await (const bytes of this.chunks()) {
      const text = decode(bytes);
      if (text) yield text;
    }
    const tail = decode();
    if (tail) yield tail;
  }

  /** the whole body as text, for formats parsed in one piece (JSON, GeoJSON) */
  async wholeText(limit: number): Promise<string> {
    const parts: string[] = [];
    for await (const text of this.text()) {
      if (this.bytes > limit) throw new PayloadTooLarge(limit);
      parts.push(text);
    }
    return parts.join('');
  }

  /** reads what is left (to know the checksum without processing) */
  async drain(): Promise<void> {
    if (this.#consumed) return;
    for await (const _ of this.chunks());
  }

  /** sha256 of the bytes read so far; the body's checksum once it is read to the end */
  checksum(): string {
    return this.#hash.copy().digest('hex');
  }
}
