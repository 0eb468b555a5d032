/** The last `capacity` values of one metric, oldest first: what a sparkline draws. */
export class Series {
  readonly #values: number[] = [];

  constructor(readonly capacity: number) {}

  push(value: number): void {
    this.#values.push(value);
    if (this.#values.length > this.capacity) this.#values.shift();
  }

  get last(): number | undefined {
    return this.#values.at(-1);
  }

  values(): readonly number[] {
    return this.#values;
  }
}

/** The `q`-quantile (0..1) of `values` (nearest rank), or 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
