import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { buildApp } from '../src/app.js'

export const PLATFORM_KEY = 'sb_platform_load_key_0123456789'

export interface ServerProcess { child: ChildProcess, address: string, exited: Promise<number | null> }

/** The environment of the server under load: rate limits off (one key sends everything), short leases for stranded keys. */
export function serverEnv (uri: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ADMIN_API_KEY: PLATFORM_KEY,
    MONGODB_URI: uri,
    MONGODB_DB: 'load',
    RATE_LIMIT_MAX: '0',
    HANDLER_TIMEOUT_MS: '10000',
    MONGODB_TIMEOUT_MS: '5000',
    MONGODB_SELECTION_TIMEOUT_MS: '1000'
  }
}

/**
 * Starts an entry point as its own process and resolves with the address it prints: a TypeScript one through tsx (as
 * `npm start` runs), a JavaScript one (the build, as the Dockerfile runs `dist/src/server.js`) with node alone.
 */
export async function startProcess (entry: string, env: Record<string, string>, banner: RegExp, nodeArgs: string[] = []): Promise<ServerProcess> {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : []
  const child = spawn(process.execPath, [...nodeArgs, ...loader, entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  let output = ''
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = banner.exec(output)
      if (match) resolve(match[1] as string)
    })
    void exited.then((code) => reject(new Error(`${entry} exited with ${code} before listening:\n${output}`)))
  })
  return { child, address, exited }
}

export const startSwitchboard = (uri: string, port = 0) =>
  startProcess('src/server.ts', { ...serverEnv(uri), PORT: String(port), HOST: '127.0.0.1' }, /Switchboard is listening on (http:\/\/\S+)/)

export const startBareFastify = () => startProcess('bench/bare-server.ts', {}, /Bare Fastify is listening on (http:\/\/\S+)/)

/** Applies the migrations and creates the client (with an agent key) whose chats receive the load. */
export async function prepareDatabase (uri: string): Promise<{ clientId: string, agentKey: string }> {
  const app = await buildApp({ env: { ...serverEnv(uri), NODE_ENV: 'test' }, logger: false, migrate: true })
  try {
    const client = await app.clientsRepository.create({ name: 'Load drill', nickName: `load-${Date.now()}` })
    const { key } = await app.apiKeysRepository.create(client._id, 'load agent', 'agent')
    return { clientId: client._id.toHexString(), agentKey: key }
  } finally {
    await app.close()
  }
}
