import { describeValue } from "@cinder/actors";

/** Throws the TypeError every function taking a topic throws for anything but a non-empty string. */
export function assertTopic(topic: unknown, fn: string): asserts topic is string {
  if (typeof topic !== "string" || topic === "") {
    throw new TypeError(`${fn}: a topic must be a non-empty string, got ${describeValue(topic)}`);
  }
}
