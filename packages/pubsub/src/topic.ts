/** Throws the TypeError every function taking a topic throws for anything but a non-empty string. */
export function assertTopic(topic: unknown, fn: string): asserts topic is string {
  if (typeof topic !== "string" || topic === "") {
    throw new TypeError(`${fn}: a topic must be a non-empty string, got ${describeValue(topic)}`);
  }
}

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === "") return "the empty string";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return `an object (${(value as object).constructor?.name ?? "Object"})`;
  if (typeof value === "function") return "a function";
  return `${typeof value} ${String(value)}`;
}
