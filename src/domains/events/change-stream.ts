import type { FastifyBaseLogger } from 'fastify'
import type { ChangeStream, Db, ObjectId } from 'mongodb'
import { backgroundComment } from '../../db/plugin.js'

const REOPEN_MS = 1000

/**
 * EVENTS_CHANGE_STREAM=on: one change stream per instance on the log's inserts wakes the tail of the client that got
 * an event, so cross-instance latency is the database's, not the poll interval's. It only wakes readers; what they
 * deliver still comes from the indexed read of the log, and polling goes on, so a broken or resumed change stream
 * can delay an event but never lose or reorder one. Change streams need a replica set or a sharded cluster: on a
 * standalone server start-up fails and says so.
 */
export async function watchLog (db: Db, wake: (clientId: ObjectId) => void, logger: FastifyBaseLogger) {
  const hello = await db.admin().command({ hello: 1 })
  if (!hello.setName && hello.msg !== 'isdbgrid') {
    throw new Error('EVENTS_CHANGE_STREAM=on needs a replica set or a sharded cluster, and this MongoDB server is a standalone; set EVENTS_CHANGE_STREAM=off')
  }
  let stream: ChangeStream | null = null
  let stopped = false

  const open = () => {
    const opened = db.collection('events').watch<{ clientId: ObjectId }>(
      [{ $match: { operationType: 'insert' } }, { $project: { 'fullDocument.clientId': 1 } }],
      { comment: backgroundComment('event log change stream') }
    )
    opened.on('change', (change) => {
      if ('fullDocument' in change && change.fullDocument) wake(change.fullDocument.clientId)
    })
    opened.on('error', (err) => {
      logger.warn({ err }, 'the event log\'s change stream failed; polling carries on and the stream reopens shortly')
      void opened.close()
      if (!stopped) setTimeout(open, REOPEN_MS).unref()
    })
    stream = opened
  }

  return {
    start: () => { if (!stopped) open() },
    stop: async () => {
      stopped = true
      await stream?.close()
    }
  }
}
