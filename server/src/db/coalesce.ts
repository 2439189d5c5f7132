/**
 * Runs one statement for many concurrent callers: what is submitted while earlier batches are in
 * flight leaves together in the next one. A lone caller pays one turn of the event loop; under load
 * one round trip serves many requests, which is what the database costs most on a busy node.
 *
 * Each caller still gets an answer read (or a write committed) after it asked, so coalescing
 * changes how often Ward talks to PostgreSQL, never what a request sees.
 */
export class Coalescer<I, O> {
  readonly #run: (items: readonly I[]) => Promise<readonly PromiseSettledResult<O>[]>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #queue: Pending<I, O>[] = [];
  #inFlight = 0;
  #scheduled = false;

  /**
   * `run` answers a batch with one outcome per item, in order, so that one bad item need not fail
   * the others; if it throws, every caller of that batch gets the error.
   */
  constructor(
    run: (items: readonly I[]) => Promise<readonly PromiseSettledResult<O>[]>,
    options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {
    this.#run = run;
    this.#maxBatch = options.maxBatch ?? 200;
    // One batch out at a time by default: the next gathers while it is out. Letting more leave
    // would split the same load into smaller batches, each costing a round trip.
    this.#maxInFlight = options.maxInFlight ?? 1;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Requests parsed in the same turn of the event loop join the same batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#inFlight++;
    try {
      const results = await this.#run(batch.map((p) => p.item));
      if (results.length !== batch.length)
        throw new Error(`batch of ${batch.length} answered with ${results.length} results`);
      results.forEach((outcome, i) => {
        const pending = batch[i];
        if (outcome.status === 'fulfilled') pending?.resolve(outcome.value);
        else pending?.reject(outcome.reason);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.#inFlight--;
      this.#schedule();
    }
  }
}

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}
