import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  accepts,
  buildConfig,
  dropEntries,
  putEntries,
  type UploadConfig,
  uploadErrors,
} from "../src/upload/upload_config.js";

// Laws of an upload's entries under any sequence of picks (form changes and preflights) and removals
// (cancel, consume), whatever the client declares.

const names = fc.constantFrom("a.png", "b.PNG", "c.txt", "d", "e.tar.gz", "f.jpg");
const types = fc.constantFrom("image/png", "text/plain", "", "image/jpeg", "application/octet-stream");
const clientFile = fc.record({
  ref: fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "7"),
  name: names,
  type: types,
  size: fc.nat({ max: 2000 }),
});
const step = fc.oneof(
  fc.record({ pick: fc.array(clientFile, { maxLength: 4 }) }),
  fc.record({ drop: fc.array(fc.constantFrom("0", "1", "2", "3", "4", "5", "6", "7"), { maxLength: 3 }) }),
);

function check(conf: UploadConfig): void {
  const refs = conf.entries.map((e) => e.ref);
  // Each ref once.
  expect(new Set(refs).size).toBe(refs.length);
  for (const e of conf.entries) {
    const errs = uploadErrors(conf, e);
    // An entry is valid exactly when it has no error, and its errors are exactly what its declaration earns.
    expect(e.valid).toBe(errs.length === 0);
    expect(errs.includes("tooLarge")).toBe(e.clientSize > conf.maxFileSize);
    expect(errs.includes("notAccepted")).toBe(!accepts(conf.accept, e.clientName, e.clientType));
  }
  // tooMany is on the upload exactly while it holds more entries than allowed.
  expect(uploadErrors(conf).includes("tooMany")).toBe(conf.entries.length > conf.maxEntries);
  // No error is about something that is not there.
  for (const err of conf.errors) expect(err.ref === conf.ref || refs.includes(err.ref)).toBe(true);
}

describe("upload entries", () => {
  test("law: validity, errors and tooMany follow the declared files, after any picks and removals", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 1500 }),
        fc.constantFrom<UploadConfig["accept"]>("any", [".png", "image/jpeg"], ["text/*"], [".gz"]),
        fc.array(step, { maxLength: 12 }),
        (maxEntries, maxFileSize, accept, steps) => {
          let conf = buildConfig("u", "phx-ref", { accept, maxEntries, maxFileSize }, false);
          for (const s of steps) {
            const before = conf.entries.map((e) => e.ref);
            conf = "pick" in s ? putEntries(conf, s.pick) : dropEntries(conf, new Set(s.drop));
            if ("pick" in s && !(maxEntries === 1 && before.length === 1)) {
              // Picking never loses an entry (except the sole unpreflighted one when maxEntries is 1).
              for (const r of before) expect(conf.entries.some((e) => e.ref === r)).toBe(true);
            }
            check(conf);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("what a client may not declare is refused: no ref, a negative or fractional size", () => {
    const conf = buildConfig("u", "phx-ref", { accept: "any" }, false);
    const next = putEntries(conf, [
      { name: "x", size: 1 },
      { ref: "a", size: -1 },
      { ref: "b", size: 1.5 },
      { ref: "c", size: "10" },
      null,
      { ref: "d".repeat(65), size: 1 },
    ]);
    expect(next.entries).toEqual([]);
  });

  test("bad options are a clear error naming allowUpload", () => {
    expect(() => buildConfig("u", "r", { accept: [] }, false)).toThrow(/allowUpload\("u"\): accept/);
    expect(() => buildConfig("u", "r", { accept: ["png"] }, false)).toThrow(/neither an extension/);
    expect(() => buildConfig("u", "r", { accept: "any", maxEntries: 0 }, false)).toThrow(/maxEntries/);
    expect(() => buildConfig("u", "r", { accept: "any", chunkSize: 2_000_000 }, false)).toThrow(/chunkSize/);
  });
});
