import type { Pid } from "@cinder/actors";
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
}
