import { MongoClient, type Db } from 'mongodb'
import { databaseMode, type Config, type DatabaseMode } from '../config.js'
import { startEmbeddedMongo } from './embedded/index.js'

export interface DatabaseConnection {
  client: MongoClient
  db: Db
  mode: DatabaseMode
  uri: string
  close(): Promise<void>
}

type ConnectionConfig = Pick<Config, 'MONGODB_URI' | 'MONGO_ENGINE' | 'MONGODB_DB'> &
  Partial<Pick<Config, 'MONGODB_TIMEOUT_MS' | 'MONGODB_SELECTION_TIMEOUT_MS'>>

interface Server { uri: string, stop(): Promise<void> }

/** Starts (or names) the server for the configured mode: MONGODB_URI, memory-server or the embedded engine. */
async function startServer (config: ConnectionConfig): Promise<Server> {
  const mode = databaseMode(config)
  if (mode === 'uri') return { uri: config.MONGODB_URI as string, stop: async () => {} }
  if (mode === 'embedded') return startEmbeddedMongo({ port: 0 })
  return startMemoryServer()
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
export async function connectDatabase (config: ConnectionConfig): Promise<DatabaseConnection> {
  const server = await startServer(config)
  const client = new MongoClient(server.uri, {
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
