/**
 * mingo ships two builds of the same code: CommonJS, which Node's resolution picks (its `exports` name `node` first), and
 * ES modules, meant for bundlers. In the CommonJS build every call from one of its modules into another goes through an
 * export getter, which V8 does not inline: on the engine's aggregation pipelines about a quarter of the engine's CPU
 * (bench/engine-cpu.ts; docs/BENCHMARKS.md). `useMingoModules` makes the thread that calls it load the ES module build
 * instead, through a resolve hook: `mingo/...` resolves to the same file of `esm/`, loaded as a module, and that build's
 * own imports, which name neither an extension nor an index file (as bundlers allow), find theirs.
 *
 * The engine's thread (src/db/embedded-worker.ts) and its command line (cli.ts) call it before they load the engine, so
 * everything they run shares one copy of mingo. An engine started in a process's own thread (the conformance tests, the
 * benches) keeps the CommonJS build: the same code, so the same answers.
 */
import { register } from 'node:module'

const HOOKS = `
const CJS = '/node_modules/mingo/cjs/'
const ESM = '/node_modules/mingo/esm/'
export async function resolve (specifier, context, next) {
  const inMingo = (context.parentURL ?? '').includes(ESM) && specifier.startsWith('.') && !specifier.endsWith('.js')
  const resolved = inMingo
    ? await next(specifier + '.js', context).catch(() => next(specifier + '/index.js', context))
    : await next(specifier, context)
  const url = resolved.url.replace(CJS, ESM)
  return url.includes(ESM) ? { ...resolved, url, format: 'module' } : resolved
}
`

let registered = false

/** Registers the hook for the calling thread, once; modules it has loaded already keep the build they have. */
export function useMingoModules (): void {
  if (registered) return
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`)
  registered = true
}

/** Which of mingo's builds `mingo/core` resolves to in the calling thread (for the engine's start message and tests). */
export function mingoBuild (): 'esm' | 'cjs' {
  return import.meta.resolve('mingo/core').includes('/mingo/esm/') ? 'esm' : 'cjs'
}
