import { exit, type Pid, runtime } from "@cinder/actors";
import type { Channel } from "../transport/channel.js";

/**
 * A socket's channels, by topic and by view pid. Almost every socket has one channel (at most
 * `MAX_CHANNELS`), so this is an exact-length array searched in order, replaced on each join or leave:
 * two Maps per connection would cost more memory than the channel itself.
 */
export class ChannelTable {
  list: readonly Channel[] = [];

  get size(): number {
    return this.list.length;
  }

  get(topic: string): Channel | undefined {
    for (const ch of this.list) if (ch.topic === topic) return ch;
    return undefined;
  }

  byPid(pid: Pid): Channel | undefined {
    for (const ch of this.list) if (ch.pid === pid) return ch;
    return undefined;
  }

  add(ch: Channel): void {
    this.list = this.list.concat(ch); // exact length ([...list, ch] would reserve 17 slots)
  }

  remove(ch: Channel): void {
    if (this.list.includes(ch)) this.list = this.list.filter((c) => c !== ch);
  }

  /**
   * Removes a channel, tells the client (`phx_close`), and stops its process (running its `terminate`). A
   * process still joining has no state to clean up, and its join may never return (a client that gave up
   * waiting rejoins): it is killed.
   */
  close(ch: Channel): void {
    this.remove(ch);
    if (ch.pid !== null) exit(ch.pid, ch.state === "joining" ? "kill" : "shutdown");
    if (ch.state === "joining") ch.state = "closed";
    else ch.end("phx_close");
  }

  /**
   * When the socket's process ends: every channel is closed (nothing they still write reaches the client).
   * Their processes stop through their link to the socket's (and run `terminate`); one that never finishes
   * its current callback would never see that exit signal, so, as a supervisor does, it is killed after
   * `graceMs`.
   */
  closeAll(graceMs: number): void {
    const rt = runtime();
    for (const ch of this.list) {
      ch.state = "closed";
      const pid = ch.pid;
      if (pid === null) continue;
      const timer = setTimeout(() => rt.exit(pid, "kill"), graceMs).unref();
      // Gone in time (the usual case): drop the timer now, not seconds later (the soak test saw thousands pile up).
      if (rt.watch(pid, () => clearTimeout(timer)) === null) clearTimeout(timer);
    }
  }
}
