/**
 * Where a CPU profile's time went (not a test): self time by package (or source folder) and the top functions.
 * Run: npx tsx bench/cpu-profile.ts .cpu-prof/<file>.cpuprofile [--top 40] [--inclusive <function name> ...]
 * `--inclusive` adds the total time spent in and under each named function (its outermost calls only).
 * Profiles come from `npm run bench:http -- --cpu-prof --only users` (the server writes them into .cpu-prof/ when it stops).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { log } from './measure.js'

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, inclusive: { type: 'string', multiple: true } } })
const file = positionals[0]
if (!file) {
  process.stderr.write('usage: tsx bench/cpu-profile.ts <file.cpuprofile> [--top N]\n')
  process.exit(2)
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfMs = new Map<number, number>()
profile.samples.forEach((id, index) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000))

/** A package name from node_modules, a source folder of this repository, or node's internals. */
function area (url: string): string {
  if (!url) return '(native / idle / gc)'
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/')
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0] ?? url
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`
  const src = url.indexOf('/src/')
  if (src >= 0) return url.slice(src + 1).split('/').slice(0, 3).join('/')
  return url
}

const areas = new Map<string, number>()
const functions = new Map<string, number>()
let total = 0
for (const [id, ms] of selfMs) {
  const node = byId.get(id)
  if (!node) continue
  const { functionName, url, lineNumber } = node.callFrame
  total += ms
  areas.set(area(url), (areas.get(area(url)) ?? 0) + ms)
  const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`
  functions.set(name, (functions.get(name) ?? 0) + ms)
}

const show = (entries: Map<string, number>, top: number) => {
  for (const [name, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    log(`${(100 * ms / total).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}`)
  }
}
/** Time in and under nodes named `name`, not counting a match nested inside another. */
function inclusiveMs (name: string): number {
  const walk = (id: number, inside: boolean): number => {
    const node = byId.get(id)
    if (!node) return 0
    const matches = !inside && node.callFrame.functionName === name
    const own = inside || matches ? (selfMs.get(id) ?? 0) : 0
    return own + (node.children ?? []).reduce((sum, child) => sum + walk(child, inside || matches), 0)
  }
  return walk(profile.nodes[0]?.id ?? 1, false)
}

log(`total ${total.toFixed(0)} ms sampled\n\nby area:`)
show(areas, 25)
log('\nby function (self time):')
show(functions, Number(values.top))
if (values.inclusive) {
  log('\ninclusive:')
  show(new Map(values.inclusive.map((name) => [name, inclusiveMs(name)])), values.inclusive.length)
}
