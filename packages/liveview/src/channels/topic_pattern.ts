/**
 * A channel's topic pattern, as in Phoenix's `channel "room:*", RoomChannel`: a topic, or a prefix followed
 * by `*` that matches every topic starting with it.
 */
export class TopicPattern {
  readonly #prefix: string;
  readonly #wildcard: boolean;

  constructor(
    readonly pattern: string,
    where: string,
  ) {
    const star = pattern.indexOf("*");
    if (pattern === "" || (star !== -1 && star !== pattern.length - 1))
      throw new TypeError(`${where}: topic pattern ${JSON.stringify(pattern)} may only end with a "*"`);
    this.#wildcard = star !== -1;
    this.#prefix = this.#wildcard ? pattern.slice(0, -1) : pattern;
  }

  matches(topic: string): boolean {
    return this.#wildcard ? topic.startsWith(this.#prefix) : topic === this.#prefix;
  }
}
