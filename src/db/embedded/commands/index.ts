import { noteHandshake, recordLatency, touchSession } from '../activity.js'
import { CommandError, asCommandError } from '../errors.js'
import { toStoredInPlace } from '../records.js'
import { checkStatements } from '../refusals.js'
import type { Doc } from '../values.js'
import { adminCommands } from './admin.js'
import { aggregate, aggregateCommands } from './aggregate.js'
import { runCollated } from './collation.js'
import type { CommandContext } from './context.js'
import { ddlCommands } from './ddl.js'
import { explainCommand } from '../explain.js'
import { parameterCommands } from './parameters.js'
import { beginCommand, diagnosticCommands, endCommand } from './diagnostics.js'
import { readCommands } from './read.js'
import { onView } from './views.js'
import { writeCommands } from './write.js'

const HANDLERS = { ...adminCommands, ...diagnosticCommands, ...readCommands, ...writeCommands, ...aggregateCommands, ...ddlCommands, ...parameterCommands, explain: explainCommand }

export type { CommandContext }

/** Runs one command to completion, synchronously, so commands never interleave. Never throws. */
export function runCommand (rawBody: Doc, ctx: Omit<CommandContext, 'db'> & { db?: string, storedForm?: boolean }): Doc {
  const body = ctx.storedForm === true ? rawBody : toStoredInPlace(rawBody) as Doc
  const name = Object.keys(body)[0] ?? ''
  const db = typeof body.$db === 'string' ? body.$db : ctx.db ?? 'admin'
  try {
    const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name as keyof typeof HANDLERS] : undefined
    if (handler === undefined) throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`)
    if (body.txnNumber !== undefined || body.startTransaction !== undefined || body.autocommit !== undefined) {
      throw new CommandError(20, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos')
    }
    if (name === 'update' || name === 'delete') checkStatements(name, body)
    const context = { ...ctx, db }
    touchSession(ctx.store, body.lsid)
    if (name === 'hello' || name === 'isMaster' || name === 'ismaster') noteHandshake(ctx.store, ctx.connectionId, body)
    const started = performance.now()
    beginCommand(context, body)
    try {
      return runCollated(name, body, context, (b, c) => onView(name, b, c, aggregate) ?? handler(b, c))
    } finally {
      endCommand()
      recordLatency(ctx.store, db, name, body, (performance.now() - started) * 1000)
    }
  } catch (error) {
    const e = asCommandError(error)
    return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName, ...e.extra }
  }
}
