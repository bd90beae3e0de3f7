import t from 'tap'
import { EventEmitter } from 'node:events'
import { ObjectId, type Db } from 'mongodb'
import type { FastifyBaseLogger } from 'fastify'
import { watchLog } from '../../src/domains/events/change-stream.js'

/** A database as a replica set's would answer: `hello` names a set, and `watch` hands out change streams to drive. */
function replicaSetDb (hello: object = { setName: 'rs0' }) {
  const opened: (EventEmitter & { closed: boolean, pipeline: unknown })[] = []
  const db = {
    admin: () => ({ command: async () => hello }),
    collection: (name: string) => ({
      watch: (pipeline: unknown) => {
        if (name !== 'events') throw new Error(`watched ${name}`)
        const stream = Object.assign(new EventEmitter(), { closed: false, pipeline, close: async () => { stream.closed = true } })
        opened.push(stream)
        return stream
      }
    })
  } as unknown as Db
  return { db, opened }
}

const logger = { warn: () => {} } as unknown as FastifyBaseLogger

t.test('a change stream on the log\'s inserts wakes the client that got an event, and reopens after an error', async (t) => {
  const { db, opened } = replicaSetDb()
  const woken: string[] = []
  const watcher = await watchLog(db, (clientId) => { woken.push(clientId.toHexString()) }, logger)
  t.equal(opened.length, 0, 'nothing is watched before start')
  watcher.start()
  t.same(opened[0]?.pipeline, [{ $match: { operationType: 'insert' } }, { $project: { 'fullDocument.clientId': 1 } }])
  const clientId = new ObjectId()
  opened[0]?.emit('change', { operationType: 'insert', fullDocument: { clientId } })
  opened[0]?.emit('change', { operationType: 'insert' })
  t.same(woken, [clientId.toHexString()])
  opened[0]?.emit('error', new Error('primary stepped down'))
  t.equal(opened[0]?.closed, true)
  await new Promise((resolve) => setTimeout(resolve, 1200))
  t.equal(opened.length, 2, 'a new change stream replaces the failed one')
  await watcher.stop()
  t.equal(opened[1]?.closed, true)
  opened[1]?.emit('error', new Error('after stop'))
  await new Promise((resolve) => setTimeout(resolve, 1200))
  t.equal(opened.length, 2, 'nothing reopens after stop')
})

t.test('a sharded cluster qualifies; a standalone does not', async (t) => {
  await t.resolves(watchLog(replicaSetDb({ msg: 'isdbgrid' }).db, () => {}, logger))
  await t.rejects(watchLog(replicaSetDb({ isWritablePrimary: true }).db, () => {}, logger), /needs a replica set or a sharded cluster/)
})
