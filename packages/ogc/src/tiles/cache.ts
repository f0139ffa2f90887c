// Rendered tiles by collection and request, each with the data version it was rendered at, least recently used out
// first, bounded by bytes.

/** a kept tile and the state it was rendered at (a DataVersion's tag, or a VersionBeside's version_key) */
export interface KeptTile {
  version: string;
  tile: Uint8Array;
}

/**
 * A tile is a function of the collection's data version and the request (the same facts its strong ETag hashes), so a
 * kept tile stays right while the version it names is current; a new version renders the tile again and replaces it.
 */
export class TileCache {
  private readonly entries = new Map<string, KeptTile>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): KeptTile | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // most recently used last
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, kept: KeptTile): void {
    if (kept.tile.byteLength > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.tile.byteLength;
      this.entries.delete(key);
    }
    this.entries.set(key, kept);
    this.bytes += kept.tile.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.tile.byteLength;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
