/**
 * The embedded engine in a process of its own for the benchmarks (as `npm run mongo:embedded`), which also answers on
 * stdin: a line `heap` collects garbage and prints `HEAP {"heapUsedMiB":…,"rssMiB":…,"peakRssMiB":…}`.
 * Run with --expose-gc: node --import tsx --expose-gc bench/engine-process.ts
 */
import { readFile } from 'node:fs/promises'
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
lines.on('line', (line) => {
  if (line.trim() !== 'heap') return
  global.gc?.()
  const { heapUsed, rss } = process.memoryUsage()
  void peakRssMiB().then((peak) => {
    process.stdout.write(`HEAP ${JSON.stringify({ heapUsedMiB: Math.round(heapUsed / MIB), rssMiB: Math.round(rss / MIB), peakRssMiB: peak })}\n`)
  })
})
lines.on('close', () => { void mongo.stop().then(() => process.exit(0)) })
