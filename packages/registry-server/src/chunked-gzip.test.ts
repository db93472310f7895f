import { gunzipSync } from "node:zlib";
import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { ChunkedGzip, type DocumentPart } from "./chunked-gzip.js";

interface Item {
  readonly id: number;
  readonly text: string;
}

/** A document of items with commas between, like the full fetch; every 7th id ends a chunk. */
function setup() {
  const encoded: Item[] = [];
  const encoder = new ChunkedGzip<Item>({
    encode: (item) => {
      encoded.push(item);
      return Buffer.from(JSON.stringify(item));
    },
    boundaryAfter: (item) => item.id % 7 === 0,
  });
  const parts = (items: readonly Item[]): DocumentPart<Item>[] => [
    "[",
    ...items.flatMap((item, i) => (i === 0 ? [item] : [",", item])),
    "]",
  ];
  const expected = (head: string, items: readonly Item[]) => `${head}${JSON.stringify([...items])}`;
  return { encoder, encoded, parts, expected };
}

const item = (id: number, version = 0): Item => ({ id, text: `item ${id} version ${version} ${"x".repeat(id % 50)}` });

describe("ChunkedGzip", () => {
  it("encodes the document exactly, and its gzip decodes to the same bytes", async () => {
    const { encoder, parts, expected } = setup();
    const items = Array.from({ length: 500 }, (_, i) => item(i));
    const doc = encoder.encode('{"v":1,"items":', [...parts(items), "}"]);
    expect(Buffer.concat(doc.plain()).toString()).toBe(`${expected('{"v":1,"items":', items)}}`);
    expect(gunzipSync(await doc.gzip()).equals(Buffer.concat(doc.plain()))).toBe(true);
  });

  it("encodes only the changed item's chunk again and keeps the rest", async () => {
    const { encoder, encoded, parts } = setup();
    const items = Array.from({ length: 300 }, (_, i) => item(i));
    await encoder.encode("", parts(items)).gzip();
    expect(encoded).toHaveLength(300);
    encoded.length = 0;
    items[150] = item(150, 1);
    const doc = encoder.encode("", parts(items));
    // Boundaries after ids 147 and 154: the chunk is 148–154, the other 293 items are not touched.
    expect(encoded.map((entry) => entry.id)).toEqual([148, 149, 150, 151, 152, 153, 154]);
    expect(encoded[2]).toBe(items[150]);
    expect(JSON.parse(gunzipSync(await doc.gzip()).toString())[150]).toEqual(items[150]);
  });

  it("stays exact through many interleaved changes, inserts and removals", async () => {
    const { encoder, parts, expected } = setup();
    const random = seededRandom(42);
    let items = Array.from({ length: 400 }, (_, i) => item(i));
    let nextId = 400;
    for (let round = 0; round < 150; round += 1) {
      for (let edits = 1 + Math.floor(random() * 5); edits > 0; edits -= 1) {
        const at = Math.floor(random() * items.length);
        const roll = random();
        if (roll < 0.5 && items.length > 0) items[at] = item((items[at] as Item).id, round);
        else if (roll < 0.75) items.splice(at, 0, item(nextId++));
        else items.splice(at, 1);
      }
      items = [...items];
      const head = `{"round":${round},"items":`;
      const doc = encoder.encode(head, [...parts(items), "}"]);
      expect(Buffer.concat(doc.plain()).toString()).toBe(`${expected(head, items)}}`);
      expect(gunzipSync(await doc.gzip()).equals(Buffer.concat(doc.plain()))).toBe(true);
    }
  });

  it("gzips two documents at once whose shared chunks are primed differently", async () => {
    const { encoder, parts } = setup();
    // About 2 MB each, so compression yields to the event loop and the two gzips interleave.
    const big = (id: number, version: number): Item => ({ id, text: `${version} ${"y".repeat(2000)} ${id}` });
    const first = Array.from({ length: 1000 }, (_, i) => big(i, 0));
    const second = first.map((entry) => (entry.id % 14 === 0 ? big(entry.id, 1) : entry));
    const one = encoder.encode("", parts(first));
    const two = encoder.encode("", parts(second));
    const [zippedOne, zippedTwo] = await Promise.all([one.gzip(), two.gzip()]);
    expect(gunzipSync(zippedOne).equals(Buffer.concat(one.plain()))).toBe(true);
    expect(gunzipSync(zippedTwo).equals(Buffer.concat(two.plain()))).toBe(true);
    expect(gunzipSync(await one.gzip()).equals(Buffer.concat(one.plain()))).toBe(true);
  });

  it("gzips an empty document and a document without items", async () => {
    const { encoder } = setup();
    for (const parts of [[], ["[]"]]) {
      const doc = encoder.encode("", parts);
      expect(gunzipSync(await doc.gzip()).equals(Buffer.concat(doc.plain()))).toBe(true);
    }
  });

  it("cuts a chunk after at most 128 items even without a boundary, and stays exact", async () => {
    const encoded: Item[] = [];
    const encoder = new ChunkedGzip<Item>({
      encode: (entry) => {
        encoded.push(entry);
        return Buffer.from(JSON.stringify(entry));
      },
      boundaryAfter: () => false,
    });
    const items = Array.from({ length: 1000 }, (_, i) => item(i));
    await encoder.encode("", items).gzip();
    encoded.length = 0;
    items[999] = item(999, 1);
    const doc = encoder.encode("", items);
    // Chunks end after items 127, 255, … 895: only the last chunk (896–999) is encoded again.
    expect(encoded.map((entry) => entry.id)).toEqual(Array.from({ length: 104 }, (_, i) => 896 + i));
    expect(gunzipSync(await doc.gzip()).equals(Buffer.concat(doc.plain()))).toBe(true);
  });
});
