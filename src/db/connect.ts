import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { isAlive } from '../lib/processes.js'
import { MongoClient, type Db } from 'mongodb'
import { databaseMode, type Config, type DatabaseMode } from '../config.js'

export interface DatabaseConnection {
  client: MongoClient
  db: Db
  mode: DatabaseMode
  uri: string
  close(): Promise<void>
}

type ConnectionConfig = Pick<Config, 'MONGODB_URI' | 'MONGO_ENGINE' | 'MONGODB_DB'> &
  Partial<Pick<Config, 'MONGODB_TIMEOUT_MS' | 'MONGODB_SELECTION_TIMEOUT_MS'>>

export interface ConnectOptions {
  /** Emit the driver's command monitoring events (`commandStarted`…) on the client. */
  monitorCommands?: boolean
}

interface Server { uri: string, stop(): Promise<void> }

/** Starts (or names) the server for the configured mode: MONGODB_URI, memory-server or the embedded engine. */
async function startServer (config: ConnectionConfig): Promise<Server> {
  const mode = databaseMode(config)
  if (mode === 'uri') return { uri: config.MONGODB_URI as string, stop: async () => {} }
  if (mode === 'embedded') return startEmbeddedThread()
  return startMemoryServer()
}

const STOP_TIMEOUT_MS = 5000

/** An engine thread that dies while the app runs leaves it without a database: an uncaught error, so the process stops. */
function crashLoudly (error: Error): void {
  process.nextTick(() => { throw error })
}

/**
 * The default mode's engine listens on a Unix domain socket in a folder of its own, `<tmp>/switchboard-engine-<pid>-*`,
 * that only this user may open (mkdtemp makes it 0700, and the temporary directory's sticky bit keeps other users from
 * moving it): the engine has no authentication, and a TCP port on 127.0.0.1 would let any local user in. The folders
 * of processes that stopped are removed at start (those of other users cannot be, and are left alone).
 */
export const ENGINE_SOCKET_PREFIX = 'switchboard-engine-'
/** The longest path a Unix domain socket may have (sun_path is 108 bytes on Linux, with its terminating NUL). */
const MAX_SOCKET_PATH = 107

async function engineSocketFolder (): Promise<string | null> {
  const root = tmpdir()
  if (process.platform === 'win32' || join(root, `${ENGINE_SOCKET_PREFIX}${process.pid}-XXXXXX`, 'engine.sock').length > MAX_SOCKET_PATH) return null
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    const pid = Number(new RegExp(`^${ENGINE_SOCKET_PREFIX}(\\d+)-`).exec(entry)?.[1])
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue
    await rm(join(root, entry), { recursive: true, force: true }).catch(() => {})
  }
  return mkdtemp(join(root, `${ENGINE_SOCKET_PREFIX}${process.pid}-`))
}

/** The worker running src/db/embedded-worker: through tsx's loader when this module runs as TypeScript. */
function spawnEngineWorker (options: { host?: string, port?: number, socketPath?: string }): Worker {
  const workerData = { host: options.host ?? '127.0.0.1', port: options.port ?? 0, socketPath: options.socketPath }
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./embedded-worker.js', import.meta.url), { workerData })
  // Node 20 does not hand the parent's --import loaders to a worker, so the worker registers tsx itself.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const entry = JSON.stringify(new URL('./embedded-worker.ts', import.meta.url).href)
  return new Worker(`import(${tsx}).then((api) => api.tsImport(${entry}, ${JSON.stringify(import.meta.url)}))`, { eval: true, workerData })
}

/**
 * The embedded engine on a worker thread, so that a busy database does not hold the app's event loop: on a TCP port
 * when `host` or `port` is given, else on a private Unix domain socket (ENGINE_SOCKET_PREFIX). A thread that cannot
 * start rejects; one that stops while the app runs calls `onCrash` (by default: an uncaught error).
 */
export async function startEmbeddedThread (options: { host?: string, port?: number, onCrash?: (error: Error) => void } = {}): Promise<Server & { worker: Worker, mingo: 'esm' | 'cjs' }> {
  const folder = options.host === undefined && options.port === undefined ? await engineSocketFolder() : null
  const removeFolder = async () => { if (folder) await rm(folder, { recursive: true, force: true }) }
  const worker = spawnEngineWorker({ ...options, ...(folder ? { socketPath: join(folder, 'engine.sock') } : {}) })
  const exited = once(worker, 'exit').then(([code]) => code as number)
  const started = await new Promise<{ uri?: string, mingo?: 'esm' | 'cjs', error?: string }>((resolve) => {
    worker.once('message', resolve)
    worker.once('error', (error) => resolve({ error: error.message }))
    void exited.then((code) => resolve({ error: `its thread exited with code ${code}` }))
  })
  if (!started.uri) {
    await worker.terminate()
    await removeFolder()
    throw new Error(`The embedded database could not start: ${started.error}`)
  }
  let stopping = false
  let failure: Error | undefined
  worker.on('error', (error) => { failure ??= error })
  void exited.then((code) => {
    if (stopping) return
    const reason = failure ? `: ${failure.message}` : ` (exit code ${code})`
    ;(options.onCrash ?? crashLoudly)(new Error(`The embedded database thread stopped unexpectedly${reason}`, { cause: failure }))
  })
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= (async () => {
    stopping = true
    worker.postMessage('stop')
    const timer = setTimeout(() => { void worker.terminate() }, STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
    await removeFolder()
  })())
  return { uri: started.uri, stop, worker, mingo: started.mingo ?? 'cjs' }
}

async function startMemoryServer (): Promise<Server> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core')
  try {
    const server = await MongoMemoryServer.create()
    return { uri: server.getUri(), stop: async () => { await server.stop() } }
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new Error(
      'MONGO_ENGINE=memory-server: no mongod binary is available and none could be downloaded ' +
      `(${reason}). Point MONGOMS_SYSTEM_BINARY at an installed mongod, set MONGODB_URI to a running server, ` +
      'or unset MONGO_ENGINE to use the embedded engine.',
      { cause: error }
    )
  }
}

/**
 * Connects the official driver to the server the configuration names. While the server is unreachable an operation
 * fails after MONGODB_SELECTION_TIMEOUT_MS, and no answer or free connection is awaited past MONGODB_TIMEOUT_MS (503 then);
 * the driver reconnects by itself when the server returns.
 */
export async function connectDatabase (config: ConnectionConfig, options: ConnectOptions = {}): Promise<DatabaseConnection> {
  const server = await startServer(config)
  const client = new MongoClient(server.uri, {
    monitorCommands: options.monitorCommands ?? false,
    serverSelectionTimeoutMS: config.MONGODB_SELECTION_TIMEOUT_MS ?? 5000,
    connectTimeoutMS: 5000,
    ...(config.MONGODB_TIMEOUT_MS ? { socketTimeoutMS: config.MONGODB_TIMEOUT_MS, waitQueueTimeoutMS: config.MONGODB_TIMEOUT_MS } : {}),
    appName: 'switchboard'
  })
  try {
    await client.connect()
    await client.db(config.MONGODB_DB).command({ ping: 1 })
  } catch (error) {
    await client.close().catch(() => {})
    await server.stop()
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`Cannot reach MongoDB at ${redact(server.uri)}: ${reason}`, { cause: error })
  }
  return {
    client,
    db: client.db(config.MONGODB_DB),
    mode: databaseMode(config),
    uri: server.uri,
    close: async () => {
      await client.close()
      await server.stop()
    }
  }
}

/** Hides a password in a connection string before it reaches a log or an error. */
export function redact (uri: string): string {
  return uri.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@')
}
