import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { IMPORT_STALE_MS } from './runs-repository.js'

/** The imports running in this app, so that a shutdown stops them (and their runs are marked failed) instead of cutting them off. */
export class ImportAborts {
  private readonly running = new Set<AbortController>()

  start (): AbortController {
    const controller = new AbortController()
    this.running.add(controller)
    return controller
  }

  finish (controller: AbortController): void {
    this.running.delete(controller)
  }

  /** Stops every running import and waits (at most `timeoutMs`) until each has recorded its run as failed. */
  async stopAll (timeoutMs: number): Promise<void> {
    for (const controller of this.running) controller.abort(new Error('Switchboard is shutting down'))
    const deadline = Date.now() + timeoutMs
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    importAborts: ImportAborts
  }
}

const STOP_TIMEOUT_MS = 10_000

/**
 * No import run is left `running`: at start-up, and every IMPORT_STALE_MS after, runs whose process stopped mid-import
 * are marked failed (runs-repository failInterrupted: a dead pid on this host, or a heartbeat older than IMPORT_STALE_MS);
 * at shutdown this app's running imports are stopped and marked failed before the database connection closes.
 */
export default fp(async function importLifecycle (app: FastifyInstance) {
  const aborts = new ImportAborts()
  app.decorate('importAborts', aborts)
  const sweep = async () => {
    const failed = await app.importRunsRepository.failInterrupted()
    if (failed > 0) app.log.warn({ failed }, 'marked interrupted imports as failed')
  }
  await sweep()
  const timer = setInterval(() => { sweep().catch((error: unknown) => app.log.warn({ err: error }, 'could not check for interrupted imports')) }, IMPORT_STALE_MS)
  timer.unref()
  app.addHook('preClose', async () => {
    clearInterval(timer)
    await aborts.stopAll(STOP_TIMEOUT_MS)
  })
}, { name: 'import-lifecycle', dependencies: ['import-runs-repository'] })
