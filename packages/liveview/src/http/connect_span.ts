import { isTraced, type SpanContext } from "@cinder/actors";
import { telemetry } from "../diagnostics.js";

/**
 * The `cinder:socket:connect` span of one websocket upgrade. It starts before the request is checked and
 * ends when the connection is accepted, or fails with the HTTP status it was refused with: a handshake is
 * callbacks, not one call, so it is published by hand rather than around a function.
 */
export class ConnectSpan {
  readonly #ctx: SpanContext = { transport: "websocket", params: null };
  readonly #t0 = process.hrtime.bigint();

  constructor() {
    telemetry.socketConnect.start.publish(this.#ctx);
  }

  /** The connection was accepted with these connect params (already filtered). */
  end(params: unknown): void {
    this.#ctx.params = params;
    this.#ctx.duration = Number(process.hrtime.bigint() - this.#t0);
    telemetry.socketConnect.end.publish(this.#ctx);
  }

  /** The upgrade was refused with HTTP `status`. */
  fail(status: number): void {
    this.#ctx.duration = Number(process.hrtime.bigint() - this.#t0);
    this.#ctx.error = status;
    telemetry.socketConnect.error.publish(this.#ctx);
  }
}

/** A started span, or null (nothing built) when nobody subscribes. */
export function connectSpan(): ConnectSpan | null {
  return isTraced(telemetry.socketConnect) ? new ConnectSpan() : null;
}
