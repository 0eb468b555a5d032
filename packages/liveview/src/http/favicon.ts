import { createHash } from "node:crypto";
import type { Asset } from "./assets.js";

/**
 * The `/favicon.ico` an endpoint serves when the app has none (a file of that name in its `static` folder
 * wins): browsers ask for it on every page whose layout names no icon, and a 404 each time is noise in
 * logs and a wasted round trip. A 16x16 ember-coloured dot, drawn here as an ICO holding a 32-bit bitmap.
 */
export function defaultFavicon(): Asset {
  const size = 16;
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - 7.5;
      const dy = y - 7.5;
      const d = Math.sqrt(dx * dx + dy * dy);
      if (d > 7) continue; // transparent
      // BGRA, rows bottom-up: hotter (yellow) in the middle, red at the rim.
      const heat = 1 - d / 7;
      const i = ((size - 1 - y) * size + x) * 4;
      pixels[i] = Math.round(40 * heat);
      pixels[i + 1] = Math.round(80 + 140 * heat);
      pixels[i + 2] = 235;
      pixels[i + 3] = 255;
    }
  }
  const andMask = Buffer.alloc(size * 4); // 1 bit per pixel, rows padded to 32 bits; alpha decides instead
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0); // BITMAPINFOHEADER
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // the XOR bitmap and the AND mask, stacked
  header.writeUInt16LE(1, 12); // planes
  header.writeUInt16LE(32, 14); // bits per pixel
  header.writeUInt32LE(pixels.length + andMask.length, 20);
  const image = Buffer.concat([header, pixels, andMask]);
  const dir = Buffer.alloc(6 + 16);
  dir.writeUInt16LE(1, 2); // type: icon
  dir.writeUInt16LE(1, 4); // one image
  dir.writeUInt8(size, 6);
  dir.writeUInt8(size, 7);
  dir.writeUInt16LE(1, 10); // planes
  dir.writeUInt16LE(32, 12); // bits per pixel
  dir.writeUInt32LE(image.length, 14);
  dir.writeUInt32LE(dir.length, 18); // offset of the image
  const body = Buffer.concat([dir, image]);
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  return { body, contentType: "image/x-icon", etag };
}
