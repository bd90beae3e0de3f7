import t from 'tap'
import { MongoClient, type CommandSucceededEvent } from 'mongodb'
import { aggregateFirst, findFirst } from '../../src/db/find-one.js'
import { setup } from './embedded/helper.js'

/** The hot reads' helpers answer as `findOne` and `aggregate().toArray()[0]` do, in one command, leaving no cursor open. */
t.test('findFirst and aggregateFirst', async (t) => {
  const { db: conformance, uri } = await setup(t)
  const client = new MongoClient(uri, { monitorCommands: true, serverSelectionTimeoutMS: 5000 })
  await client.connect()
  t.teardown(() => client.close())
  const db = client.db(conformance.databaseName)
  const rows = db.collection<{ _id: number, group: string }>('rows')
  await rows.insertMany(Array.from({ length: 150 }, (_, i) => ({ _id: i, group: i % 3 === 0 ? 'a' : 'b' })))
  const succeeded: CommandSucceededEvent[] = []
  client.on('commandSucceeded', (event) => succeeded.push(event))
  const commandsOf = async <T>(work: () => Promise<T>) => {
    succeeded.length = 0
    const value = await work()
    return { value, commands: succeeded.map((event) => event.commandName) }
  }

  t.test('findFirst: the first match, or null, in one find', async (t) => {
    t.same(await commandsOf(() => findFirst<{ _id: number, group: string }>(db, 'rows', { _id: 7 })), { value: { _id: 7, group: 'b' }, commands: ['find'] })
    t.same(await commandsOf(() => findFirst<{ _id: number, group: string }>(db, 'rows', { _id: 1000 })), { value: null, commands: ['find'] })
  })

  t.test('aggregateFirst: the document a one-document pipeline answers, in one aggregate', async (t) => {
    const facet = [{ $facet: { groups: [{ $group: { _id: '$group', n: { $sum: 1 } } }, { $sort: { _id: 1 } }], total: [{ $count: 'n' }] } }]
    t.same(await commandsOf(() => aggregateFirst(rows, facet)), {
      value: { groups: [{ _id: 'a', n: 50 }, { _id: 'b', n: 100 }], total: [{ n: 150 }] },
      commands: ['aggregate']
    })
    t.same(await commandsOf(() => aggregateFirst(rows, [{ $match: { _id: { $gte: 1000 } } }, { $limit: 1 }])), { value: null, commands: ['aggregate'] })
  })

  t.test('aggregateFirst of a pipeline answering more than a batch: its first document, and its cursor closed', async (t) => {
    const { value, commands } = await commandsOf(() => aggregateFirst(rows, [{ $sort: { _id: 1 } }]))
    t.same(value, { _id: 0, group: 'a' })
    t.same(commands, ['aggregate', 'killCursors'])
    const killed = succeeded[1]?.reply as { cursorsKilled?: unknown[] } | undefined
    t.equal(killed?.cursorsKilled?.length, 1, 'the server closed the cursor it had kept open')
  })
})
