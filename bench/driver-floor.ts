import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb'

/**
 * The official driver's fixed CPU per command, shared by bench/driver-cost.ts and bench/http.ts: the embedded engine in a
 * process of its own (`npm run mongo:embedded`) and this process sending commands through the driver, `concurrency` at a
 * time, as an app under load does. Whatever a route does besides, its process pays at least this per command it sends.
 */

export interface Engine { uri: string, child: ChildProcess }

/** Starts `npm run mongo:embedded` as its own process on a free port (or a Unix socket) and resolves with its URI. */
export async function startEngineProcess (socket?: string): Promise<Engine> {
  const where = socket ? ['--socket', socket] : ['--port', '0']
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/db/embedded/cli.ts', ...where], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(child.stdout as NodeJS.ReadableStream, 'data') as [Buffer]
  return { uri: line.toString().trim(), child }
}

export async function stopEngineProcess (engine: Engine): Promise<void> {
  const exited = once(engine.child, 'exit')
  engine.child.kill('SIGTERM')
  await exited
}

/** The database `cost` with 100 small users, `_id` 0 to 99, for the reads by id. */
export async function seedCostUsers (uri: string): Promise<void> {
  const seed = new MongoClient(uri)
  await seed.connect()
  const users = seed.db('cost').collection<{ _id: number, name: string, email: string, createdAt: Date }>('users')
  await users.deleteMany({})
  await users.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i, name: `User ${i}`, email: `user${i}@example.com`, createdAt: new Date() })))
  await seed.close()
}

/** The read a hot route by id sends (src/db/find-one.ts): the `find` command, limit 1, one batch. */
export const findById = (db: Db) => db.command({ find: 'users', filter: { _id: 7 }, limit: 1, singleBatch: true })

/** CPU time (user + system) so far, in microseconds, from a `/proc/.../stat` file (Linux): of a process or a thread. */
export function statCpuUs (stat: string): number {
  const fields = readFileSync(stat, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 1e6 / 100
}

/** CPU time of a whole process (all its threads) so far, in microseconds. */
export const processCpuUs = (pid: number): number => statCpuUs(`/proc/${pid}/stat`)

/**
 * This process's CPU per command (user + system, µs), the engine's (`enginePid`, when given: its process's CPU per
 * command in the same run) and the commands per second, for `count` commands of `op`, `concurrency` at a time, after
 * 2,000 unmeasured; the run of least CPU in this process of `runs` runs (the others lost time to the machine).
 */
export async function driverCost (uri: string, op: (db: Db) => Promise<unknown>, { count = 20000, concurrency = 50, runs = 3, options = {} as MongoClientOptions, enginePid = undefined as number | undefined } = {}): Promise<{ cpuUs: number, engineUs: number, rate: number }> {
  const client = new MongoClient(uri, options)
  await client.connect()
  try {
    const db = client.db('cost')
    for (let i = 0; i < 2000; i++) await op(db)
    let best = { cpuUs: Infinity, engineUs: NaN, rate: 0 }
    for (let run = 0; run < runs; run++) {
      let next = 0
      const engineBefore = enginePid === undefined ? NaN : processCpuUs(enginePid)
      const started = process.cpuUsage()
      const t0 = performance.now()
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < count) await op(db)
      }))
      const used = process.cpuUsage(started)
      const cpuUs = (used.user + used.system) / count
      const engineUs = enginePid === undefined ? NaN : (processCpuUs(enginePid) - engineBefore) / count
      if (cpuUs < best.cpuUs) best = { cpuUs, engineUs, rate: count / (performance.now() - t0) * 1000 }
    }
    return best
  } finally {
    await client.close()
  }
}
