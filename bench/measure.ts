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
