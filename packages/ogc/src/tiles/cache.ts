// Rendered tiles by collection, data version and request, least recently used out first, bounded by bytes.

/**
 * A tile is a function of the collection's data version and the request (the same facts its strong ETag hashes), so a
 * kept tile stays right until the version changes; a new version makes new keys and the old ones age out.
 */
export class TileCache {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Uint8Array | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // most recently used last
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, tile: Uint8Array): void {
    if (tile.byteLength > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.byteLength;
      this.entries.delete(key);
    }
    this.entries.set(key, tile);
    this.bytes += tile.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
