import t from 'tap'
import { MongoClient, ObjectId } from 'mongodb'
import { EventLog } from '../../src/domains/events/log.js'
import { runScript, sharedDatabase } from './processes.js'

t.setTimeout(300_000)

t.test('two processes appending to one client\'s log at once: one gapless order, every event once, a writer\'s appends in its order', async (t) => {
  const { uri, dbName } = await sharedDatabase(t)
  const client = await MongoClient.connect(uri)
  t.teardown(() => client.close())
  const reader = new EventLog(client.db(dbName), 86_400_000)
  const clientId = new ObjectId()
  const perWriter = 400

  // A appends one batch at a time (its order is known), B four at a time.
  const writers = [['A', '1'], ['B', '4']].map(([prefix, concurrency]) =>
    runScript(t, 'test/events/fixtures/log-writer.ts', [uri, dbName, clientId.toHexString(), prefix as string, String(perWriter), concurrency as string]))
  let finished = false
  void Promise.all(writers).finally(() => { finished = true })
  const delivered: { seq: number, key: string }[] = []
  let position = 0
  const deadline = Date.now() + 240_000
  // Reads while both write, as a stream's tail does: each read continues from the last seq it saw.
  while (delivered.length < 2 * perWriter && Date.now() < deadline) {
    const events = await reader.after(clientId, position)
    for (const event of events) delivered.push({ seq: event.seq, key: event.key })
    position = delivered.at(-1)?.seq ?? position
    if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, finished ? 0 : 5))
  }
  t.same(await Promise.all(writers), ['done\n', 'done\n'])
  t.equal(delivered.length, 2 * perWriter, 'the reader saw every event')
  t.ok(delivered.every((event, index) => event.seq === index + 1), 'seqs 1, 2, 3… with no gap, read in that order')
  t.equal(new Set(delivered.map((event) => event.key)).size, 2 * perWriter, 'no event twice')
  for (const prefix of ['A', 'B']) {
    const own = delivered.filter((event) => event.key.startsWith(`${prefix}-`)).map((event) => Number(event.key.slice(2)))
    t.equal(own.length, perWriter, `every event of writer ${prefix}`)
    if (prefix === 'A') t.same(own, Array.from({ length: perWriter }, (_, index) => index), 'a writer\'s appends keep its order')
  }
  t.same((await reader.after(clientId, 0, 1000)).map((event) => event.seq), delivered.map((event) => event.seq), 'a reader from the start reads the same order')
})
