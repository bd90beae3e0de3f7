import { randomBytes } from 'node:crypto'
import type { ObjectId } from 'mongodb'
import tap from 'tap'
import { buildApp, type App } from '../src/app.js'
import { startEmbeddedThread } from '../src/db/connect.js'
import type { Role } from '../src/domains/clients/schemas.js'

interface TestContext { teardown(fn: () => unknown): void }

export interface TestAppOptions {
  /** Load the demo data (default: no). */
  seed?: boolean
  env?: Record<string, string>
  /** Emit the driver's command monitoring events on `app.mongo.client`. */
  monitorCommands?: boolean
}

let sharedEngine: Promise<string> | null = null

/**
 * One embedded engine per test process (on its worker thread, as the default mode runs it), started on first use and
 * stopped when the process's tests end: each app gets a database of its own on it, as apps get on a real server.
 * Starting an engine costs about as much CPU as building the app itself; the default mode's own start-up (an engine per
 * app, stopped with it) is tested where it matters (test/request-path/embedded-thread.test.ts, test/app.test.ts).
 */
function sharedEngineUri (): Promise<string> {
  sharedEngine ??= startEmbeddedThread().then((engine) => {
    tap.teardown(() => engine.stop())
    return `${engine.uri.replace(/\/$/, '')}/`
  })
  return sharedEngine
}

/**
 * Builds the app for one test file against a database of its own: the embedded engine by default,
 * or a fresh database on the server named by MONGODB_URI. Both are closed in teardown.
 */
export async function buildTestApp (t: TestContext, options: TestAppOptions = {}): Promise<App> {
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MONGODB_DB: `test_${randomBytes(6).toString('hex')}`,
    SEED_DEMO: String(options.seed ?? false),
    ADMIN_API_KEY: PLATFORM_KEY,
    // Off unless a test sets it: a test file's request count must not depend on how fast the machine is.
    RATE_LIMIT_MAX: '0',
    MONGODB_URI: process.env.MONGODB_URI ?? await sharedEngineUri(),
    ...options.env
  }
  const app = await buildApp({ env, logger: false, migrate: true, monitorCommands: options.monitorCommands })
  await app.ready()
  t.teardown(async () => {
    await app.mongo.db.dropDatabase().catch(() => {})
    await app.close()
  })
  return app
}

export const PLATFORM_KEY = 'sb_platform_test_key_0123456789'

export function bearer (key: string): { authorization: string } {
  return { authorization: `Bearer ${key}` }
}

export interface Tenant { id: ObjectId, hexId: string, keys: Record<Role, string> }

/** Creates a client with one key per role, straight through the repositories. */
export async function createTenant (app: App, nickName = `client-${randomBytes(4).toString('hex')}`): Promise<Tenant> {
  const client = await app.clientsRepository.create({ name: `Client ${nickName}`, nickName })
  const keys = {} as Record<Role, string>
  for (const role of ['agent', 'manager', 'admin'] as const) {
    keys[role] = (await app.apiKeysRepository.create(client._id, `${role} key`, role)).key
  }
  return { id: client._id, hexId: client._id.toHexString(), keys }
}
