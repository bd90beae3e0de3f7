import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'

/** Helpers the benchmark scripts share. */

export const log = (line: string): void => { process.stdout.write(`${line}\n`) }

/** The 1-, 5- and 15-minute load averages, for the record next to a figure. */
export const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ')

/** CPU time of this process so far (engine and driver both run in it), in milliseconds. */
export const cpuMs = (): number => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * This process's CPU per request, in microseconds, for each of `rounds` rounds of `requests` calls of `request`, in
 * sequence; with `profile`, a CPU profile of all the rounds is written there (Chrome's .cpuprofile format).
 */
export async function cpuPerRequest (rounds: number, requests: number, request: () => unknown, profile?: string): Promise<number[]> {
  const session = profile === undefined ? undefined : new Session()
  if (session) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  const out: number[] = []
  for (let round = 0; round < rounds; round++) {
    const started = process.cpuUsage()
    for (let i = 0; i < requests; i++) await request()
    const used = process.cpuUsage(started)
    out.push((used.user + used.system) / requests)
  }
  if (session && profile !== undefined) writeFileSync(profile, JSON.stringify((await session.post('Profiler.stop')).profile))
  return out
}
