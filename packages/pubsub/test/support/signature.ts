import { createHmac } from "node:crypto";

/**
 * A message signed as the Redis adapter documents it, written here from the documentation rather than taken
 * from the adapter, so that the trust tests check the adapter against it: `#`, then base64url HMAC-SHA256 of
 * `<channel bytes>:<channel><envelope>`, then the envelope.
 */
export function sign(key: string, channel: string, body: string): string {
  const mac = createHmac("sha256", key)
    .update(`${Buffer.byteLength(channel)}:`)
    .update(channel)
    .update(body)
    .digest("base64url");
  return `#${mac}${body}`;
}
