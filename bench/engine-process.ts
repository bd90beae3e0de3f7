/**
 * The embedded engine in a process of its own for the benchmarks (as `npm run mongo:embedded`), which also answers on
 * stdin: a line `heap` collects garbage and prints `HEAP {"heapUsedMiB":…,"rssMiB":…,"peakRssMiB":…}`; `profile start` starts
 * a CPU profile and `profile stop <file>` writes it to <file> and prints `PROFILED <file>`.
 * Run with --expose-gc: node --import tsx --expose-gc bench/engine-process.ts
 */
import { readFile, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { createInterface } from 'node:readline'
import { startEmbeddedMongo } from '../src/db/embedded/index.js'

const MIB = 1024 * 1024

async function peakRssMiB (): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '')
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]
  return kib === undefined ? Math.round(process.resourceUsage().maxRSS / 1024) : Math.round(Number(kib) / 1024)
}

const mongo = await startEmbeddedMongo({ port: 0 })
process.stdout.write(`${mongo.uri}\n`)
const lines = createInterface({ input: process.stdin })
let session: Session | undefined
async function profile (command: string, file: string | undefined): Promise<void> {
  if (command === 'start') {
    session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
    return
  }
  if (!session || !file) return
  const { profile: taken } = await session.post('Profiler.stop')
  await writeFile(file, JSON.stringify(taken))
  session.disconnect()
  session = undefined
  process.stdout.write(`PROFILED ${file}\n`)
}

lines.on('line', (line) => {
  const [word, command, file] = line.trim().split(' ')
  if (word === 'profile' && command !== undefined) {
    void profile(command, file)
    return
  }
  if (word !== 'heap') return
  global.gc?.()
  const { heapUsed, rss } = process.memoryUsage()
  void peakRssMiB().then((peak) => {
    process.stdout.write(`HEAP ${JSON.stringify({ heapUsedMiB: Math.round(heapUsed / MIB), rssMiB: Math.round(rss / MIB), peakRssMiB: peak })}\n`)
  })
})
lines.on('close', () => { void mongo.stop().then(() => process.exit(0)) })
