import diagnosticsChannel from "node:diagnostics_channel";
import {
  type EventLoopUtilization,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from "node:perf_hooks";
import {
  type Behaviour,
  runtime as defaultRuntime,
  type Pid,
  type Runtime,
  self,
  sendAfter,
  spawn,
  stop,
} from "@cinder/actors";
import { Series } from "./series.js";

/** Seconds of history a sparkline shows. */
export const HISTORY = 120;
/** Durations kept per view and kind, for the p50/p99 of the live views page. */
const KEEP = 500;

/** The home page's metrics, one sample a second. */
export const METRICS = [
  "rss",
  "heapUsed",
  "external",
  "elu",
  "delayP50",
  "delayP99",
  "gcMs",
  "processes",
  "runQueue",
  "messagesPerSecond",
  "sockets",
  "views",
  "broadcastsPerSecond",
] as const;
export type Metric = (typeof METRICS)[number];

/** The recent durations (ms) of one view's callbacks. */
export interface ViewDurations {
  readonly mount: number[];
  readonly event: number[];
  readonly render: number[];
}

/** One slow event, for the "slowest recent events" list. */
export interface SlowEvent {
  readonly view: string;
  readonly event: string;
  readonly ms: number;
  readonly at: number;
}

interface Traced {
  view?: string;
  event?: string;
  topic?: string;
  connected?: boolean;
  url?: string;
  duration?: number;
}

/**
 * What the dashboard knows beyond what the runtime and the PubSub say when asked: a second-by-second history
 * of the node's vital signs, the live views now connected (followed from the dashboard's creation), and the
 * recent durations of their callbacks (from the `cinder:live_view:*` telemetry). A Cinder process samples
 * once a second while at least one dashboard page is open, and stops (unsubscribing from the event and render
 * telemetry) when the last one closes.
 */
export class Collector {
  readonly series = Object.fromEntries(METRICS.map((m) => [m, new Series(HISTORY)])) as Record<
    Metric,
    Series
  >;
  /** Connected live views (not the dashboard's own), by pid. */
  readonly views = new Map<Pid, { readonly view: string; readonly url: string }>();
  readonly durations = new Map<string, ViewDurations>();
  slowest: SlowEvent[] = [];
  /** Broadcasts per topic in the last full second. */
  topicRates: ReadonlyMap<string, number> = new Map();
  readonly startedAt = Date.now();
  readonly #rt: Runtime;
  #sockets: () => number;
  readonly #pages = new Set<Pid>();
  #sampler: Pid | null = null;

  constructor(rt: Runtime | undefined, sockets: () => number) {
    this.#rt = rt ?? defaultRuntime();
    this.#sockets = sockets;
    // Connected views are followed from the start (one watch per view), so that the count is right when a
    // page first opens; the costlier timings are taken only while a page is open (the sampler).
    diagnosticsChannel.subscribe("tracing:cinder:live_view:mount:end", (m) =>
      this.viewTraced("mount", m as Traced),
    );
  }

  /** Where the open sockets are counted (the latest endpoint's, after an endpoint restarts). */
  useSockets(sockets: () => number): void {
    this.#sockets = sockets;
  }

  /** A dashboard page opened (the calling process): sample while any is open. */
  attach(page: Pid): void {
    this.#pages.add(page);
    this.#rt.watch(page, () => this.#pages.delete(page));
    if (this.#sampler === null) this.#sampler = spawn(sampler, this);
  }

  /** @internal The sampler asks whether to go on. */
  wanted(): boolean {
    if (this.#pages.size > 0) return true;
    this.#sampler = null;
    return false;
  }

  /** @internal */
  get runtime(): Runtime {
    return this.#rt;
  }

  /** @internal */
  sockets(): number {
    return this.#sockets();
  }

  /** @internal A traced callback of a live view ended. */
  viewTraced(kind: keyof ViewDurations, ctx: Traced): void {
    const view = ctx.view ?? "?";
    if (this.#pages.has(currentPid() as Pid)) return; // the dashboard does not measure itself
    const ms = (ctx.duration ?? 0) / 1e6;
    let d = this.durations.get(view);
    if (d === undefined) this.durations.set(view, (d = { mount: [], event: [], render: [] }));
    const list = d[kind];
    list.push(ms);
    if (list.length > KEEP) list.shift();
    if (kind === "mount" && ctx.connected === true) {
      const pid = currentPid();
      if (pid !== null && !this.views.has(pid)) {
        this.views.set(pid, { view, url: ctx.url ?? "" });
        this.#rt.watch(pid, () => this.views.delete(pid));
      }
    }
    if (kind === "event") {
      this.slowest.push({ view, event: ctx.event ?? "?", ms, at: Date.now() });
      this.slowest = this.slowest.sort((a, b) => b.ms - a.ms).slice(0, 10);
    }
  }
}

function currentPid(): Pid | null {
  try {
    return self();
  } catch {
    return null;
  }
}

interface SamplerState {
  readonly c: Collector;
  readonly delay: ReturnType<typeof monitorEventLoopDelay>;
  readonly gc: PerformanceObserver;
  readonly unsubscribe: () => void;
  elu: EventLoopUtilization;
  gcMs: number;
  handled: number | null;
  broadcasts: Map<string, number>;
}

const sampler: Behaviour<SamplerState, "tick", Collector> = {
  label: "DashboardSampler",
  init(c) {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const state: SamplerState = {
      c,
      delay,
      gc: new PerformanceObserver((list) => {
        for (const e of list.getEntries()) state.gcMs += e.duration;
      }),
      unsubscribe: () => {},
      elu: performance.eventLoopUtilization(),
      gcMs: 0,
      handled: c.runtime.stats().handled,
      broadcasts: new Map(),
    };
    state.gc.observe({ entryTypes: ["gc"] });
    const subs: [string, (m: unknown) => void][] = [
      ["tracing:cinder:live_view:handle_event:end", (m) => c.viewTraced("event", m as Traced)],
      ["tracing:cinder:live_view:render:end", (m) => c.viewTraced("render", m as Traced)],
      [
        "tracing:cinder:pubsub:broadcast:start",
        (m) => {
          const topic = (m as Traced).topic ?? "?";
          state.broadcasts.set(topic, (state.broadcasts.get(topic) ?? 0) + 1);
        },
      ],
    ];
    for (const [name, fn] of subs) diagnosticsChannel.subscribe(name, fn);
    (state as { unsubscribe: () => void }).unsubscribe = () => {
      for (const [name, fn] of subs) diagnosticsChannel.unsubscribe(name, fn);
    };
    sample(state);
    sendAfter(self(), "tick", 1000);
    return state;
  },
  handleInfo(_tick, state) {
    if (!state.c.wanted()) {
      state.unsubscribe();
      state.delay.disable();
      state.gc.disconnect();
      return stop("normal", state);
    }
    sample(state);
    sendAfter(self(), "tick", 1000);
    return state;
  },
};

/** Takes one sample of every metric. */
function sample(state: SamplerState): void {
  const { c } = state;
  const s = c.series;
  const mem = process.memoryUsage();
  s.rss.push(mem.rss);
  s.heapUsed.push(mem.heapUsed);
  s.external.push(mem.external);
  const elu = performance.eventLoopUtilization(state.elu);
  state.elu = performance.eventLoopUtilization();
  s.elu.push(elu.utilization);
  s.delayP50.push(state.delay.count > 0 ? state.delay.percentile(50) / 1e6 : 0);
  s.delayP99.push(state.delay.count > 0 ? state.delay.percentile(99) / 1e6 : 0);
  state.delay.reset();
  s.gcMs.push(state.gcMs);
  state.gcMs = 0;
  const stats = c.runtime.stats();
  s.processes.push(stats.processes);
  s.runQueue.push(stats.runQueue);
  s.messagesPerSecond.push(
    stats.handled === null || state.handled === null ? 0 : stats.handled - state.handled,
  );
  state.handled = stats.handled;
  s.sockets.push(c.sockets());
  s.views.push(c.views.size);
  let broadcasts = 0;
  for (const n of state.broadcasts.values()) broadcasts += n;
  s.broadcastsPerSecond.push(broadcasts);
  c.topicRates = state.broadcasts;
  state.broadcasts = new Map();
}

const collectors = new WeakMap<Runtime, Collector>();

/**
 * The collector of a runtime: one, however many times `dashboard()` is called for it (an app whose endpoint
 * restarts builds its routes again), so the views are followed once and nothing piles up.
 */
export function collectorFor(rt: Runtime | undefined, sockets: () => number): Collector {
  const runtime = rt ?? defaultRuntime();
  let c = collectors.get(runtime);
  if (c === undefined) collectors.set(runtime, (c = new Collector(runtime, sockets)));
  else c.useSockets(sockets);
  return c;
}
