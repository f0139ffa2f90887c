// The GeoPackage R-tree spatial index (gpkg_rtree_index) written without SQLite's R*Tree module, which sql.js lacks:
// the virtual table's shadow tables (_node, _rowid, _parent) filled with a packed tree in SQLite's own node format, and
// the virtual table's schema row added last. A reader with the module (GDAL, QGIS, Python's sqlite3) opens it as any
// R-tree; `rtreecheck()` verifies it (test/gdal-downloads.test.ts).
//
// SQLite's format (ext/rtree/rtree.c): every node a blob of 4 + 24 × 51 bytes (51 cells: 4 + nBytesPerCell × RTREE_MAXCELLS
// is below the page size less 64); a node starts with the tree's depth (root only) and its cell count, 16-bit big-endian;
// a cell is a 64-bit rowid (a leaf: the feature's fid; above: the child node number) and minX, maxX, minY, maxY as 32-bit
// floats, big-endian, rounded outwards. The root is node 1.
import type { Database as SqliteDatabase } from 'sql.js';

export interface Box {
  id: number;
  minx: number;
  maxx: number;
  miny: number;
  maxy: number;
}

const MAX_CELLS = 51;
const CELL_BYTES = 24;
const NODE_BYTES = 4 + CELL_BYTES * MAX_CELLS;

const float32 = new Float32Array(1);
const bits = new Uint32Array(float32.buffer);

/** the largest float32 not above `value` (down) or the smallest not below it (up), as the R-tree stores bounds */
function roundFloat32(value: number, direction: 'down' | 'up'): number {
  float32[0] = value;
  const f = float32[0] as number;
  if (direction === 'down' ? f <= value : f >= value) return f;
  // one step of the float32 towards the wanted side: the bit pattern moves by one, its direction by the sign
  const towardsZero = direction === 'down' ? f > 0 : f < 0;
  bits[0] = (bits[0] as number) + (towardsZero ? -1 : 1);
  return float32[0] as number;
}

interface Node {
  number: number;
  cells: Box[];
  /** 0 for leaves */
  height: number;
}

const union = (id: number, cells: Box[]): Box => ({
  id,
  minx: Math.min(...cells.map((c) => c.minx)),
  maxx: Math.max(...cells.map((c) => c.maxx)),
  miny: Math.min(...cells.map((c) => c.miny)),
  maxy: Math.max(...cells.map((c) => c.maxy)),
});

/** Sort-Tile-Recursive packing of one level: slices by x centre, runs by y centre, 51 cells a node */
function packLevel(cells: Box[]): Box[][] {
  const nodes = Math.ceil(cells.length / MAX_CELLS);
  const slices = Math.ceil(Math.sqrt(nodes));
  const perSlice = slices * MAX_CELLS;
  const byX = [...cells].sort((a, b) => a.minx + a.maxx - (b.minx + b.maxx) || a.id - b.id);
  const groups: Box[][] = [];
  for (let s = 0; s < byX.length; s += perSlice) {
    const slice = byX.slice(s, s + perSlice).sort((a, b) => a.miny + a.maxy - (b.miny + b.maxy) || a.id - b.id);
    for (let i = 0; i < slice.length; i += MAX_CELLS) groups.push(slice.slice(i, i + MAX_CELLS));
  }
  return groups;
}

/** the tree's nodes, the root numbered 1, every other node from 2 on */
function buildTree(boxes: Box[]): { nodes: Node[]; depth: number } {
  const leaves = boxes.map((b) => ({ id: b.id, minx: roundFloat32(b.minx, 'down'), maxx: roundFloat32(b.maxx, 'up'), miny: roundFloat32(b.miny, 'down'), maxy: roundFloat32(b.maxy, 'up') }));
  if (leaves.length <= MAX_CELLS) return { nodes: [{ number: 1, cells: leaves, height: 0 }], depth: 0 };
  const nodes: Node[] = [];
  let next = 2;
  let level = leaves;
  let height = 0;
  for (;;) {
    const groups = packLevel(level);
    if (groups.length === 1) {
      nodes.push({ number: 1, cells: groups[0] as Box[], height });
      return { nodes, depth: height };
    }
    const parents: Box[] = [];
    for (const cells of groups) {
      const node = { number: next++, cells, height };
      nodes.push(node);
      parents.push(union(node.number, cells));
    }
    level = parents;
    height++;
  }
}

function nodeBlob(node: Node, depth: number): Uint8Array {
  const blob = Buffer.alloc(NODE_BYTES);
  if (node.number === 1) blob.writeUInt16BE(depth, 0);
  blob.writeUInt16BE(node.cells.length, 2);
  node.cells.forEach((cell, i) => {
    const at = 4 + i * CELL_BYTES;
    blob.writeBigInt64BE(BigInt(cell.id), at);
    blob.writeFloatBE(cell.minx, at + 8);
    blob.writeFloatBE(cell.maxx, at + 12);
    blob.writeFloatBE(cell.miny, at + 16);
    blob.writeFloatBE(cell.maxy, at + 20);
  });
  return blob;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The R-tree of `table`.`column` with its GeoPackage triggers and gpkg_extensions row. Call it last: the virtual table's
 * schema row makes the database one that only an SQLite with the R*Tree module can read further (the caller exports).
 */
export function writeRtreeIndex(gpkg: SqliteDatabase, table: string, column: string, boxes: Box[]): void {
  const name = `rtree_${table}_${column}`;
  const { nodes, depth } = buildTree(boxes);
  gpkg.run(`CREATE TABLE ${quote(`${name}_node`)}(nodeno INTEGER PRIMARY KEY,data)`);
  gpkg.run(`CREATE TABLE ${quote(`${name}_rowid`)}(rowid INTEGER PRIMARY KEY,nodeno)`);
  gpkg.run(`CREATE TABLE ${quote(`${name}_parent`)}(nodeno INTEGER PRIMARY KEY,parentnode)`);
  gpkg.run('BEGIN');
  const insertNode = gpkg.prepare(`INSERT INTO ${quote(`${name}_node`)} VALUES (?, ?)`);
  const insertRowid = gpkg.prepare(`INSERT INTO ${quote(`${name}_rowid`)} VALUES (?, ?)`);
  const insertParent = gpkg.prepare(`INSERT INTO ${quote(`${name}_parent`)} VALUES (?, ?)`);
  const parentOf = new Map<number, number>();
  for (const node of nodes) if (node.height > 0) for (const cell of node.cells) parentOf.set(cell.id, node.number);
  for (const node of nodes.sort((a, b) => a.number - b.number)) {
    insertNode.run([node.number, nodeBlob(node, depth)]);
    if (node.height === 0) for (const cell of node.cells) insertRowid.run([cell.id, node.number]);
    if (node.number !== 1) insertParent.run([node.number, parentOf.get(node.number) as number]);
  }
  insertNode.free();
  insertRowid.free();
  insertParent.free();
  gpkg.run('COMMIT');

  // the triggers of GeoPackage 1.3 (F.3, gpkg_rtree_index) that keep the index with the table where a writer changes it
  const t = quote(table);
  const c = quote(column);
  const r = quote(name);
  const trigger = (suffix: string, body: string) => gpkg.run(`CREATE TRIGGER ${quote(`${name}_${suffix}`)} ${body}`);
  const values = (row: string) => `(${row}.fid, ST_MinX(${row}.${c}), ST_MaxX(${row}.${c}), ST_MinY(${row}.${c}), ST_MaxY(${row}.${c}))`;
  trigger('insert', `AFTER INSERT ON ${t} WHEN (new.${c} NOT NULL AND NOT ST_IsEmpty(NEW.${c})) BEGIN INSERT OR REPLACE INTO ${r} VALUES ${values('NEW')}; END`);
  trigger('update1', `AFTER UPDATE OF ${c} ON ${t} WHEN OLD.fid = NEW.fid AND (NEW.${c} NOTNULL AND NOT ST_IsEmpty(NEW.${c})) BEGIN INSERT OR REPLACE INTO ${r} VALUES ${values('NEW')}; END`);
  trigger('update2', `AFTER UPDATE OF ${c} ON ${t} WHEN OLD.fid = NEW.fid AND (NEW.${c} IS NULL OR ST_IsEmpty(NEW.${c})) BEGIN DELETE FROM ${r} WHERE id = OLD.fid; END`);
  trigger('update3', `AFTER UPDATE ON ${t} WHEN OLD.fid != NEW.fid AND (NEW.${c} NOTNULL AND NOT ST_IsEmpty(NEW.${c})) BEGIN DELETE FROM ${r} WHERE id = OLD.fid; INSERT OR REPLACE INTO ${r} VALUES ${values('NEW')}; END`);
  trigger('update4', `AFTER UPDATE ON ${t} WHEN OLD.fid != NEW.fid AND (NEW.${c} IS NULL OR ST_IsEmpty(NEW.${c})) BEGIN DELETE FROM ${r} WHERE id IN (OLD.fid, NEW.fid); END`);
  trigger('delete', `AFTER DELETE ON ${t} WHEN old.${c} NOT NULL BEGIN DELETE FROM ${r} WHERE id = OLD.fid; END`);

  gpkg.run(`CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
    definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`);
  gpkg.run('INSERT INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)', [table, column, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only']);

  // the virtual table itself: its schema row, as CREATE VIRTUAL TABLE would write it
  gpkg.run('PRAGMA writable_schema = ON');
  gpkg.run(
    `INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', ${literal(name)}, ${literal(name)}, 0, ${literal(`CREATE VIRTUAL TABLE ${r} USING rtree(id, minx, maxx, miny, maxy)`)})`,
  );
  gpkg.run('PRAGMA writable_schema = OFF');
}
