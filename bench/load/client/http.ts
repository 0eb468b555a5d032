/** The plain HTTP the harness speaks: one GET at a time, the whole body, and JSON endpoints of the demo. */
import { type Agent, type IncomingHttpHeaders, request } from "node:http";

/** Where the server is and how to reach it. */
export interface Target {
  host: string;
  port: number;
  /** Source address for this generator's sockets (spreads ports over several loopback addresses). */
  localAddress?: string;
  /** Presented to the stats paths (`/stats.json`, ...), which a production server serves only with it. */
  statsToken?: string;
}

interface GetOptions {
  /** `false`: a fresh connection for this request alone. */
  agent: Agent | false;
  localAddress?: string;
  headers?: Record<string, string>;
}

/** GET `path`; resolves with the headers and the whole body of a 200, rejects on anything else. */
export function httpGet(
  target: Target,
  path: string,
  options: GetOptions,
): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: target.host, port: target.port, path, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${path} answered ${res.statusCode}`));
        resolve({ headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      // Node 20's agent keeps an idle socket for as long as the server's own keep-alive timeout (5 s), so the
      // server can close one just as it is reused (after the settle between the two connect halves, on a busy
      // machine): the request never got an answer, so it goes again, as Node's docs advise. This ends: each
      // such socket is gone from the pool, and an error on a fresh socket is final.
      if (req.reusedSocket && err.code === "ECONNRESET") resolve(httpGet(target, path, options));
      else reject(err);
    });
    req.end();
  });
}

/** GET a JSON endpoint (/stats.json, /deployment.json, /gc.json) on a connection of its own. */
export async function getJson<T>(target: Target, path: string): Promise<T> {
  const headers: Record<string, string> =
    target.statsToken === undefined ? {} : { authorization: `Bearer ${target.statsToken}` };
  const { body } = await httpGet(target, path, { agent: false, headers });
  return JSON.parse(body.toString("utf8")) as T;
}
