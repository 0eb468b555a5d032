import { performance } from "node:perf_hooks";
import type { Runtime } from "@cinder/actors";
import { type AgentRequest, agentName, readReply } from "./agent.js";

/** How long a page waits for another node's agent before it calls the node unreachable. */
export const AGENT_CALL_MS = 5_000;

/** What asking a node's agent gave: its data and the round trip, or why not. */
export type AgentAnswer =
  | { readonly ok: true; readonly value: unknown; readonly ms: number }
  | { readonly ok: false; readonly noAgent: boolean; readonly error: string };

/**
 * Asks `node`'s dashboard agent. Never throws: a node that is down, has no agent, is slow, or answers
 * nonsense gives `ok: false` with the reason, for the page to show.
 */
export async function askAgent(rt: Runtime, node: string, req: AgentRequest): Promise<AgentAnswer> {
  if (!rt.nodes().includes(node))
    return { ok: false, noAgent: false, error: `node ${node} is not up (this node hears nothing from it)` };
  const name = agentName(node);
  if (rt.whereisGlobal(name) === undefined)
    return { ok: false, noAgent: true, error: `node ${node} runs no dashboard agent (no dashboard there)` };
  const t0 = performance.now();
  try {
    const r = readReply(await rt.call({ global: name }, req, AGENT_CALL_MS));
    const ms = performance.now() - t0;
    return r.ok ? { ok: true, value: r.value, ms } : { ok: false, noAgent: false, error: r.error };
  } catch (e) {
    return { ok: false, noAgent: false, error: e instanceof Error ? e.message : String(e) };
  }
}
