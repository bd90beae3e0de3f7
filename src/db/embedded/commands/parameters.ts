import { CommandError } from '../errors.js'
import { toView } from '../values.js'
import type { Handler } from './context.js'

/** setParameter for the parameters the engine has: ttlMonitorSleepSecs (how often TTL indexes are checked). */
const setParameter: Handler = (body, ctx) => {
  const names = Object.keys(body).filter((k) => k !== 'setParameter' && !k.startsWith('$') && k !== 'lsid' && k !== 'comment')
  if (names.length === 0) throw new CommandError(2, 'BadValue', 'no option found to set, use help:true to see options ')
  const reply: Record<string, unknown> = {}
  for (const name of names) {
    if (name !== 'ttlMonitorSleepSecs' || ctx.ttl === undefined) throw new CommandError(2, 'BadValue', `attempted to set unrecognized parameter [${name}], use help:true to see options `)
    const value = toView(body[name])
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new CommandError(2, 'BadValue', `Invalid value for parameter ${name}: ${String(value)} is not greater than or equal to 1`)
    reply.was = ctx.ttl.sleepSecs
    ctx.ttl.sleepSecs = value
    ctx.ttl.restart()
  }
  return { ...reply, ok: 1 }
}

export const parameterCommands: Record<string, Handler> = { setParameter }
