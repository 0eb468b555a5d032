import { type Behaviour, type Pid, type Runtime, reply, self, sendAfter, stop } from "@cinder/actors";
import type { Params } from "@cinder/liveview";
import { isNum, isRecord, isStr } from "./guards.js";
import type { DashboardContext, PageSpec } from "./page.js";
import { findPid } from "./pages/process_detail.js";

/** The global name of a node's dashboard agent. */
export function agentName(node: string): string {
  return `cinder_dashboard:${node}`;
}

/**
 * What another node may ask an agent: a page's data (with the page's URL params, strings only), killing a
 * process by its number, or a ping (for the Nodes page's round trip).
 */
export type AgentRequest =
  | { readonly page: string; readonly params: Readonly<Record<string, string>> }
  | { readonly kill: number }
  | { readonly ping: true };

/** An agent's answer: the data, or why there is none. */
export type AgentReply = { readonly ok: unknown } | { readonly error: string };

/** The most params a request may carry, and the longest value: a page needs four short ones. */
const MAX_PARAMS = 8;
const MAX_PARAM = 200;
/** How long the home page's sampler keeps running after a remote node last asked for it. */
const LEASE_MS = 10_000;
/** How often the agent checks that it still holds its global name (distribution may start after it). */
const RECHECK_MS = 2_000;

interface AgentState {
  ctx: DashboardContext;
  pages: ReadonlyMap<string, PageSpec<unknown>>;
  lease: Pid | null;
  /** The other nodes up at the last check, to announce the name again to newcomers. */
  seen: string;
}

/** The URL params of a page as plain strings, bounded: the only params that cross to another node. */
export function plainParams(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params).slice(0, MAX_PARAMS))
    if (k !== "node" && typeof v === "string" && v.length <= MAX_PARAM) out[k] = v;
  return out;
}

function isParams(u: unknown): u is Record<string, string> {
  if (!isRecord(u)) return false;
  const entries = Object.entries(u);
  return entries.length <= MAX_PARAMS && entries.every(([, v]) => isStr(v) && v.length <= MAX_PARAM);
}

/**
 * The dashboard agent: one process per dashboard, registered globally as `cinder_dashboard:<node>`, that
 * answers other nodes' dashboards with this node's pages' data, as plain data. Requests come from other
 * nodes: each is checked, and a bad one gets an error reply, never a crash.
 */
const agent: Behaviour<AgentState, "recheck" | Use, AgentState> = {
  label: "DashboardAgent",
  init(state) {
    claim(state);
    sendAfter(self(), "recheck", RECHECK_MS);
    return state;
  },
  async handleCall(req: unknown, _from, state) {
    return reply(await answer(req, state), state);
  },
  handleInfo(msg, state) {
    if (msg !== "recheck") {
      // A newer dashboard of this runtime (its app rebuilt its routes): answer with its pages from now on.
      state.ctx = msg.use.ctx;
      state.pages = msg.use.pages;
      return state;
    }
    claim(state);
    sendAfter(self(), "recheck", RECHECK_MS);
    return state;
  },
};

/**
 * Takes the agent's global name if it is free and, when nodes have come up since the last check, announces
 * it again: a node that comes up may miss the names sent to it before it counted this one as up (seen with a
 * node restarted under the same name), and a page there would then find no agent.
 */
function claim(state: AgentState): void {
  const rt: Runtime = state.ctx.collector.runtime;
  const name = agentName(rt.node);
  const me = self();
  const holder = rt.whereisGlobal(name);
  const seen = rt.nodes().sort().join("\n");
  const newcomers = seen !== state.seen;
  state.seen = seen;
  if (holder === undefined) rt.registerGlobal(name, me);
  else if (holder.equals(me) && newcomers && seen !== "") {
    rt.unregisterGlobal(name);
    rt.registerGlobal(name, me);
  }
}

async function answer(req: unknown, state: AgentState): Promise<AgentReply> {
  if (!isRecord(req)) return { error: "a request must be an object" };
  try {
    if (req.ping === true) return { ok: "pong" };
    if (isNum(req.kill)) {
      const pid = findPid(state.ctx, req.kill);
      if (pid === undefined) return { ok: false };
      state.ctx.collector.runtime.exit(pid, "kill");
      return { ok: true };
    }
    const spec = isStr(req.page) ? state.pages.get(req.page) : undefined;
    if (spec === undefined || !isParams(req.params)) return { error: "unknown page or bad params" };
    if (spec.path === "") renewLease(state);
    return { ok: await spec.load(req.params, state.ctx) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Keeps the sampler running while a remote node watches the home page (the lease is a page to it). */
function renewLease(state: AgentState): void {
  if (state.lease === null) {
    const rt = state.ctx.collector.runtime;
    const pid = rt.spawn(lease, self());
    state.lease = pid;
    rt.watch(pid, () => {
      if (state.lease === pid) state.lease = null;
    });
    state.ctx.collector.attach(pid);
  } else state.ctx.collector.runtime.send(state.lease, "renew");
}

interface LeaseState {
  readonly agent: Pid;
  gen: number;
}

const lease: Behaviour<LeaseState, "renew" | { expire: number }, Pid> = {
  label: "DashboardLease",
  init(agentPid) {
    sendAfter(self(), { expire: 0 }, LEASE_MS);
    return { agent: agentPid, gen: 0 };
  },
  handleInfo(msg, state) {
    if (msg === "renew") {
      state.gen++;
      sendAfter(self(), { expire: state.gen }, LEASE_MS);
      return state;
    }
    if (msg.expire !== state.gen) return state;
    return stop("normal", state);
  },
};

interface Use {
  readonly use: Pick<AgentState, "ctx" | "pages">;
}

const agents = new WeakMap<Runtime, Pid>();

/**
 * Starts the agent of a dashboard's runtime (one per runtime: a later dashboard of the same runtime, as an
 * app builds when its endpoint restarts, hands its pages to the running agent instead of starting another);
 * it registers itself as soon as the name is free.
 */
export function startAgent(ctx: DashboardContext, pages: readonly PageSpec<unknown>[]): Pid {
  const rt = ctx.collector.runtime;
  const use = { ctx, pages: new Map(pages.map((p) => [p.name, p])) };
  const running = agents.get(rt);
  if (running !== undefined && rt.processInfo(running) !== undefined) {
    rt.send(running, { use } satisfies Use);
    return running;
  }
  const pid = rt.spawn(agent, { ...use, lease: null, seen: "" } satisfies AgentState);
  agents.set(rt, pid);
  return pid;
}

/** An agent's reply, checked: its data or why there is none. */
export function readReply(u: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (isRecord(u) && "ok" in u) return { ok: true, value: u.ok };
  if (isRecord(u) && isStr(u.error))
    return { ok: false, error: `its agent answered: ${u.error.slice(0, 200)}` };
  return { ok: false, error: "its agent sent a reply this dashboard cannot read" };
}
