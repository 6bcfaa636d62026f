import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A square RGBA PNG drawn by `pixel(x, y)`: Teams app packages need a 192×192 colour icon and a
 * 32×32 white-on-transparent outline icon, and generating them keeps the package reproducible.
 */
export function png(size: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A thread mark: three lines of a conversation on a disc. */
export function threadlineIcon(size: number, outline: boolean): Buffer {
  const r = size / 2;
  return png(size, (x, y) => {
    const dx = x + 0.5 - r;
    const dy = y + 0.5 - r;
    const inDisc = dx * dx + dy * dy <= (r - size / 16) ** 2;
    const line = (offset: number, left: number, right: number) =>
      Math.abs(dy - offset * r) <= size / 22 && dx >= left * r && dx <= right * r;
    const inBar = line(-0.35, -0.55, 0.55) || line(0, -0.35, 0.55) || line(0.35, -0.35, 0.3);
    if (outline) return inDisc && !inBar ? [255, 255, 255, 255] : [0, 0, 0, 0];
    if (inBar) return [255, 255, 255, 255];
    return inDisc ? [29, 43, 58, 255] : [0, 0, 0, 0];
  });
}
