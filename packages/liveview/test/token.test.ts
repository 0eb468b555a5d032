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

  test("one spelling per token: padding, trailing garbage and a non-canonical MAC are invalid", () => {
    const s = new Signer(secret);
    const t = s.sign("session", { id: "phx-1" });
    const [body, mac] = t.split(".");
    // "A" and "B" differ only in the two bits past the MAC's 256: Node decodes both to the same bytes.
    const other = mac.at(-1) === "A" ? "B" : mac.at(-1) === "w" ? "x" : null;
    const variants = [`${t}=`, `${t}==`, `${t}AA`, `${t}\n`, `${t}~`, `${body}.${mac}.`, `${body}=.${mac}`];
    if (other !== null) variants.push(`${body}.${mac.slice(0, -1)}${other}`);
    for (const v of variants)
      expect(s.verify("session", v, 1000), v).toEqual({ ok: false, error: "invalid" });
    expect(s.verify("session", t, 1000).ok).toBe(true);
  });

  test("a token issued more than a minute ahead of this node's clock is invalid", () => {
    let now = 1_000_000;
    const s = new Signer(secret, () => now);
    const ahead = new Signer(secret, () => now + 60_001).sign("session", 1);
    const skewed = new Signer(secret, () => now + 59_000).sign("session", 1);
    expect(s.verify("session", ahead, 5000)).toEqual({ ok: false, error: "invalid" });
    expect(s.verify("session", skewed, 5000).ok).toBe(true);
    now += 2;
    expect(s.verify("session", ahead, 5000).ok).toBe(true);
  });

  test("requires a secret of at least 32 characters", () => {
    expect(() => new Signer("short")).toThrow(/32/);
  });
});
