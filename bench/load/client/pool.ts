/**
 * A pool of fake browsers: what one generator process runs. It connects its clients, keeps their heartbeats,
 * records when each step arrives at each client, cuts some of them mid-deploy when told to, and reports to
 * the coordinator.
 */
import { Agent } from "node:http";
import { clockOffset, now } from "./clock.js";
import { LiveClient } from "./live-client.js";
import { LoadMeter } from "./meter.js";
import type { PoolCommand, PoolConfig, PoolEvent, PoolResults } from "./pool-protocol.js";
import { STEPS, stepOf } from "./steps.js";

const MAX_ERRORS = 50;

export class Pool {
  private readonly clients: (LiveClient | null)[];
  private readonly arrivals: Float64Array[];
  /** Per client, how many steps it has had (the next one it expects). */
  private readonly got: Uint8Array;
  private readonly stepCount = new Int32Array(STEPS.length);
  private readonly stepReported = new Uint8Array(STEPS.length);
  private readonly wire: Map<number, number>[] = STEPS.map(() => new Map());
  private readonly payload: Map<number, number>[] = STEPS.map(() => new Map());
  private readonly errors: string[] = [];
  private errorCount = 0;
  private readonly cutSet: Set<number>;
  private cutDone = false;
  private dropped = 0;
  private live = 0;
  private joined = 0;
  private readonly frames = { steps: 0, otherDiffs: 0, replies: 0, other: 0 };
  private readonly agent: Agent;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly meter = new LoadMeter();
  /** Clients connected so far (by index): a connect command continues from here. */
  private nextClient = 0;

  constructor(
    private readonly cfg: PoolConfig,
    private readonly emit: (e: PoolEvent) => void,
  ) {
    this.clients = new Array(cfg.clients).fill(null);
    this.arrivals = STEPS.map(() => new Float64Array(cfg.clients).fill(Number.NaN));
    this.got = new Uint8Array(cfg.clients);
    this.agent = new Agent({ keepAlive: true, maxSockets: cfg.concurrency });
    this.cutSet = chooseCut(cfg.clients, cfg.cutFraction);
  }

  handle(cmd: PoolCommand): void {
    switch (cmd.type) {
      case "connect":
        void this.connectAll(Math.min(cmd.upTo ?? this.cfg.clients, this.cfg.clients));
        break;
      case "clock":
        void this.clock(cmd.samples);
        break;
      case "arm":
        this.meter.arm();
        break;
      case "results":
        this.emit({ type: "results", worker: this.cfg.worker, results: this.results() });
        break;
      case "close":
        this.close();
        this.emit({ type: "closed", worker: this.cfg.worker });
        break;
    }
  }

  private error(msg: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERRORS) this.errors.push(`worker ${this.cfg.worker}: ${msg}`);
  }

  /** Estimates this process's clock offset to the server's (server - ours), from the fastest round trip. */
  private async clock(samples: number): Promise<void> {
    const { offsetMs, rttMs } = await clockOffset(this.cfg.target, samples);
    this.emit({ type: "clock", worker: this.cfg.worker, offsetMs, rttMs });
  }

  /** Connects clients up to index `n` (exclusive), `concurrency` at a time; reports when done. */
  private async connectAll(n: number): Promise<void> {
    const joinMs: number[] = [];
    let failed = 0;
    const start = now();
    let lastProgress = start;
    const one = async (i: number) => {
      const t0 = now();
      if (await this.connectOne(i)) joinMs.push(now() - t0);
      else failed++;
      const t = now();
      if (t - lastProgress > 1000) {
        lastProgress = t;
        this.emit({ type: "progress", worker: this.cfg.worker, joined: this.joined, failed });
      }
    };
    // Heartbeats from the first connect on: connecting thousands on a loaded machine can outlast the
    // server's idle timeout (60 s), which would close the first clients before the rest joined.
    if (this.heartbeatTimer === null) this.startHeartbeats();
    const lanes = Array.from({ length: Math.max(1, Math.min(this.cfg.concurrency, n)) }, async () => {
      while (this.nextClient < n) await one(this.nextClient++);
    });
    await Promise.all(lanes);
    const end = now();
    this.emit({
      type: "connected",
      worker: this.cfg.worker,
      joined: this.joined,
      failed,
      start,
      end,
      joinMs,
    });
  }

  /** Opens client `i` and wires it to the measurement; false (and an error) when it could not join. */
  private async connectOne(i: number): Promise<boolean> {
    let c: LiveClient;
    try {
      c = await LiveClient.open(this.cfg.target, this.agent);
    } catch (err) {
      this.error(`client ${i} could not connect and join: ${(err as Error).message}`);
      return false;
    }
    this.clients[i] = c;
    this.joined++;
    this.live++;
    c.onFrame = (t, text, wire) => this.frame(i, t, text, wire);
    c.onClose = (reason) => {
      this.dropped++;
      this.leave(i);
      this.error(`client ${i} lost its connection: ${reason}`);
      this.checkSteps();
    };
    return true;
  }

  /** phoenix.js heartbeats every 30 s; here each client keeps that period, the clients spread over it. */
  private startHeartbeats(): void {
    const tickMs = 250;
    const ticks = Math.max(1, Math.round(this.cfg.heartbeatMs / tickMs));
    let tick = 0;
    this.heartbeatTimer = setInterval(() => {
      const slot = tick++ % ticks;
      for (let i = slot; i < this.clients.length; i += ticks) this.clients[i]?.heartbeat();
    }, tickMs);
  }

  private frame(i: number, t: number, text: string, wire: number): void {
    // `[join_ref, null, topic, "diff", payload]`: a server push. Anything with a ref is a reply. phoenix.js
    // also takes a push with no join_ref (LiveViewJS, the bench's peer, sends `[null, null, ...]`).
    if (!text.startsWith('["1",null,') && !text.startsWith("[null,null,")) {
      if (text.startsWith("[null,")) this.frames.replies++;
      else this.frames.other++;
      return;
    }
    if (!text.includes(',"diff",')) {
      this.frames.other++;
      return;
    }
    const step = stepOf(text);
    if (step < 0) {
      this.frames.otherDiffs++;
      return;
    }
    this.frames.steps++;
    if (this.inOrder(i, step)) this.arrived(i, step, t, text, wire);
  }

  /** Whether client `i` should count `step` now: an error when it comes early, repeated or out of order. */
  private inOrder(i: number, step: number): boolean {
    const expected = this.got[i];
    if (step === expected) return true;
    this.error(
      step < expected
        ? `client ${i} got ${STEPS[step]} again (or out of order) after ${STEPS[expected - 1]}`
        : `client ${i} got ${STEPS[step]} before ${STEPS[expected]}`,
    );
    return step > expected;
  }

  private arrived(i: number, step: number, t: number, text: string, wire: number): void {
    this.got[i] = step + 1;
    this.arrivals[step][i] = t;
    bump(this.wire[step], wire);
    bump(this.payload[step], Buffer.byteLength(text));
    if (this.stepCount[step]++ === 0) this.meter.fanoutBegins();
    if (step === this.cfg.cutAtStep && !this.cutDone && this.cutSet.size > 0) this.cutNow();
    this.checkSteps();
  }

  /** Cuts the chosen clients at once, in the middle of a fan-out, half with an RST, half with a FIN. */
  private cutNow(): void {
    this.cutDone = true;
    let k = 0;
    for (const i of this.cutSet) {
      const c = this.clients[i];
      if (c === null || c.state !== "open") continue;
      c.cut(k++ % 2 === 0);
      this.leave(i);
    }
  }

  /** A client left the measurement (cut on purpose, or lost): its steps no longer count towards completion. */
  private leave(i: number): void {
    this.live--;
    for (let s = 0; s < this.got[i]; s++) this.stepCount[s]--;
  }

  /** Reports each step once every live client of this pool has it. */
  private checkSteps(): void {
    for (let s = 0; s < STEPS.length; s++) {
      if (this.stepReported[s] === 1 || this.live === 0 || this.stepCount[s] < this.live) continue;
      this.stepReported[s] = 1;
      this.meter.fanoutEnds();
      this.emit({ type: "step", worker: this.cfg.worker, step: s, at: now() });
    }
  }

  private results(): PoolResults {
    const busy = this.meter.figures();
    const cut: number[] = [];
    for (const i of this.cutSet) if (this.clients[i]?.state === "cut") cut.push(i);
    // Missing steps are errors only for clients that were open at the end.
    for (let i = 0; i < this.clients.length; i++) {
      const c = this.clients[i];
      if (c === null || c.state !== "open") continue;
      if (this.got[i] !== STEPS.length)
        this.error(`client ${i} got only ${this.got[i]} of ${STEPS.length} steps`);
    }
    const errors = [...this.errors];
    if (this.errorCount > errors.length)
      errors.push(`worker ${this.cfg.worker}: ... ${this.errorCount - errors.length} more errors`);
    return {
      worker: this.cfg.worker,
      clients: this.cfg.clients,
      joined: this.joined,
      cut,
      arrivals: this.arrivals,
      wireBytes: this.wire.map(fromCounts),
      payloadBytes: this.payload.map(fromCounts),
      errors,
      errorCount: this.errorCount,
      dropped: this.dropped,
      frames: this.frames,
      ...busy,
    };
  }

  private close(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    for (const c of this.clients) c?.close();
    this.agent.destroy();
  }
}

/** Every k-th client is cut, so the cut ones are spread over the connect order. */
function chooseCut(clients: number, fraction: number): Set<number> {
  const cut = new Set<number>();
  if (fraction > 0) {
    const every = 1 / fraction;
    for (let x = every / 2; x < clients; x += every) cut.add(Math.floor(x));
  }
  return cut;
}

function bump(m: Map<number, number>, k: number): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function fromCounts(m: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => a[0] - b[0]));
}
