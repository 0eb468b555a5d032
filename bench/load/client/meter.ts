/**
 * How busy a generator process was: its CPU time and event-loop utilisation from `arm` on, and the
 * utilisation during the step fan-outs alone (first arrival of a step to its last), which says whether the
 * generator, not the server, could have been what delayed a client.
 */
import { performance } from "node:perf_hooks";

type Elu = ReturnType<typeof performance.eventLoopUtilization>;

export class LoadMeter {
  private armed: { cpu: NodeJS.CpuUsage; wall: number; elu: Elu } | null = null;
  private fanoutStart: Elu | null = null;
  private readonly fanout = { idle: 0, active: 0 };

  /** Starts the figures (the coordinator arms the pools just before the click). */
  arm(): void {
    this.armed = {
      cpu: process.cpuUsage(),
      wall: performance.now(),
      elu: performance.eventLoopUtilization(),
    };
  }

  /** The first arrival of a step opens its fan-out window (once armed). */
  fanoutBegins(): void {
    if (this.armed !== null) this.fanoutStart = performance.eventLoopUtilization();
  }

  /** Every live client has the step: its fan-out window closes. */
  fanoutEnds(): void {
    if (this.fanoutStart === null) return;
    const d = performance.eventLoopUtilization(this.fanoutStart);
    this.fanout.idle += d.idle;
    this.fanout.active += d.active;
    this.fanoutStart = null;
  }

  /** The figures since `arm` (zeros when never armed). */
  figures(): { cpuMs: number; wallMs: number; elu: number; fanoutElu: number } {
    const cpu = this.armed === null ? { user: 0, system: 0 } : process.cpuUsage(this.armed.cpu);
    const elu = this.armed === null ? null : performance.eventLoopUtilization(this.armed.elu);
    const fan = this.fanout.active + this.fanout.idle;
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: this.armed === null ? 0 : performance.now() - this.armed.wall,
      elu: elu?.utilization ?? 0,
      fanoutElu: fan > 0 ? this.fanout.active / fan : 0,
    };
  }
}
