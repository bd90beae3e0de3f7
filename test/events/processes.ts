import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { MongoClient } from 'mongodb'
import { buildApp, type App } from '../../src/app.js'
import { startEmbeddedMongo } from '../../src/db/embedded/index.js'
import { PLATFORM_KEY } from '../helper.js'

interface TestContext { teardown (fn: () => unknown): void }

/**
 * One database for several processes: the embedded engine started here (its own port), or a fresh database on the
 * server MONGODB_URI names. Migrated; dropped or stopped in teardown.
 */
export async function sharedDatabase (t: TestContext): Promise<{ uri: string, dbName: string }> {
  const dbName = `test_${randomBytes(6).toString('hex')}`
  let uri = process.env.MONGODB_URI
  if (uri) {
    const named = uri
    t.teardown(async () => {
      const client = await MongoClient.connect(named)
      await client.db(dbName).dropDatabase()
      await client.close()
    })
  } else {
    const engine = await startEmbeddedMongo({ port: 0 })
    t.teardown(() => engine.stop())
    uri = engine.uri
  }
  const app = await buildApp({ env: serverEnv(uri, dbName), logger: false, migrate: true })
  await app.close()
  return { uri, dbName }
}

export function serverEnv (uri: string, dbName: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test', LOG_LEVEL: 'warn', SEED_DEMO: 'false', ADMIN_API_KEY: PLATFORM_KEY, MONGODB_URI: uri, MONGODB_DB: dbName, RATE_LIMIT_MAX: '0', ...extra
  }
}

/** An app in this process on the shared database (for setup and checks; it serves no one). */
export async function databaseApp (t: TestContext, uri: string, dbName: string, extra: Record<string, string> = {}): Promise<App> {
  const app = await buildApp({ env: serverEnv(uri, dbName, extra), logger: false, migrate: false })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

export interface ServerProcess { child: ChildProcess, address: string, output: () => string }

/** Starts src/server.ts as its own process on the shared database and resolves with the address it prints. */
export async function startServer (t: TestContext, uri: string, dbName: string, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    // Under tsx, not tap's loader: kept out of coverage (see test/domains/imports/cli.test.ts).
    env: { ...process.env, ...serverEnv(uri, dbName, extra), PORT: '0', HOST: '127.0.0.1', _TAPJS_PROCESSINFO_COVERAGE_: '0' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let output = ''
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`server did not listen within 120 s:\n${output}`)) }, 120_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Switchboard is listening on (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1] as string)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code} before listening:\n${output}`))
    })
  })
  return { child, address, output: () => output }
}

/** Runs a TypeScript script as its own process; resolves with its stdout when it exits 0 (bounded). */
export async function runScript (t: TestContext, script: string, args: string[], boundMs = 120_000): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${script} did not finish within ${boundMs} ms:\n${stderr}`)) }, boundMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`${script} exited with ${code}:\n${stderr}`))
    })
  })
}
