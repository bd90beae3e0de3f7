/**
 * One batch write in flight while the import reads and cleans the next batch, so the importer and the database work at
 * the same time. Writes still run one after another, in the order they were started: a write starts only once the one
 * before it has finished, so each sees everything written before it (as when every write was awaited).
 */
export class WriteBehind {
  private inFlight: Promise<void> | undefined

  /** Waits for the write in flight (throwing its error), then starts `write` without waiting for it. */
  async start (write: () => Promise<void>): Promise<void> {
    await this.settled()
    const started = write()
    // Its error is thrown by the next start or settled; until then it must not count as unhandled.
    started.catch(() => {})
    this.inFlight = started
  }

  /** Waits for the write in flight, throwing its error. */
  async settled (): Promise<void> {
    const pending = this.inFlight
    this.inFlight = undefined
    await pending
  }
}
