import { describe, expect, test } from "vitest";
import { Signer } from "../src/token.js";

const secret = "0123456789abcdef0123456789abcdef-secret";

describe("Signer (HMAC-signed tokens)", () => {
  test("round-trips data for the same salt", () => {
    const s = new Signer(secret);
    const t = s.sign("session", { id: "phx-1", s: { user: 7 } });
    expect(s.verify("session", t, 1000)).toMatchObject({ ok: true, data: { id: "phx-1", s: { user: 7 } } });
  });

  test("refuses a token signed with another secret, for another salt, or tampered with", () => {
    const s = new Signer(secret);
    const other = new Signer(`${secret}-other`);
    const t = s.sign("session", { id: "phx-1" });
    expect(other.verify("session", t, 1000)).toEqual({ ok: false, error: "invalid" });
    expect(s.verify("flash", t, 1000)).toEqual({ ok: false, error: "invalid" });
    const [body, mac] = t.split(".");
    const forgedBody = Buffer.from(JSON.stringify({ d: { id: "phx-2" }, t: Date.now() })).toString(
      "base64url",
    );
    expect(s.verify("session", `${forgedBody}.${mac}`, 1000)).toEqual({ ok: false, error: "invalid" });
    expect(s.verify("session", `${body}.${mac.slice(0, -2)}AA`, 1000)).toEqual({
      ok: false,
      error: "invalid",
    });
  });

  test("never throws on garbage", () => {
    const s = new Signer(secret);
    for (const bad of [undefined, null, 42, {}, "", ".", "a.b.c", "a.", ".b", "%%%.%%%", "x".repeat(70000)]) {
      expect(s.verify("session", bad, 1000)).toEqual({ ok: false, error: "invalid" });
    }
    const validMacOnGarbage = `bm90IGpzb24.${s.mac("session", "bm90IGpzb24").toString("base64url")}`;
    expect(s.verify("session", validMacOnGarbage, 1000)).toEqual({ ok: false, error: "invalid" });
  });

  test("an old token is expired, a fresh one is not", () => {
    let now = 1_000_000;
    const s = new Signer(secret, () => now);
    const t = s.sign("session", 1);
    now += 5000;
    expect(s.verify("session", t, 5000).ok).toBe(true);
    now += 1;
    expect(s.verify("session", t, 5000)).toEqual({ ok: false, error: "expired" });
  });

  test("requires a secret of at least 32 characters", () => {
    expect(() => new Signer("short")).toThrow(/32/);
  });
});
