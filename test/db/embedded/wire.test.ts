import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { BSON, MongoClient } from 'mongodb'
import { startEmbeddedMongo } from '../../../src/db/embedded/index.js'

const OP_REPLY = 1
const OP_QUERY = 2004
const OP_MSG = 2013

function header (length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16)
  h.writeInt32LE(length, 0)
  h.writeInt32LE(requestId, 4)
  h.writeInt32LE(0, 8)
  h.writeInt32LE(opCode, 12)
  return h
}

function opQuery (requestId: number, collection: string, query: object): Buffer {
  const name = Buffer.from(`${collection}\0`)
  const doc = Buffer.from(BSON.serialize(query))
  const body = Buffer.concat([Buffer.alloc(4), name, Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), doc])
  return Buffer.concat([header(16 + body.length, requestId, OP_QUERY), body])
}

function opMsg (requestId: number, command: object, flags = 0, sequences: Array<[string, object[]]> = []): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(BSON.serialize(command))]
  for (const [id, docs] of sequences) {
    const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(BSON.serialize(d)))])
    const size = Buffer.alloc(4)
    size.writeInt32LE(payload.length + 4)
    parts.push(Buffer.from([1]), size, payload)
  }
  const checksum = (flags & 1) !== 0 ? Buffer.alloc(4) : Buffer.alloc(0)
  const flagBits = Buffer.alloc(4)
  flagBits.writeUInt32LE(flags)
  const body = Buffer.concat([flagBits, ...parts, checksum])
  return Buffer.concat([header(16 + body.length, requestId, OP_MSG), body])
}

interface Reply { requestId: number; responseTo: number; opCode: number; doc: Record<string, unknown>; numberReturned?: number }

/** Reads whole replies from a raw socket. */
function replies (socket: Socket): () => Promise<Reply> {
  let buffered = Buffer.alloc(0)
  const waiting: Array<(r: Reply) => void> = []
  const ready: Reply[] = []
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    while (buffered.length >= 4 && buffered.length >= buffered.readInt32LE(0)) {
      const message = buffered.subarray(0, buffered.readInt32LE(0))
      buffered = buffered.subarray(message.length)
      const opCode = message.readInt32LE(12)
      const reply: Reply = { requestId: message.readInt32LE(4), responseTo: message.readInt32LE(8), opCode, doc: {} }
      if (opCode === OP_REPLY) {
        reply.numberReturned = message.readInt32LE(32)
        reply.doc = BSON.deserialize(message.subarray(36))
      } else {
        reply.doc = BSON.deserialize(message.subarray(21))
      }
      const next = waiting.shift()
      if (next !== undefined) next(reply)
      else ready.push(reply)
    }
  })
  return () => {
    const r = ready.shift()
    return r !== undefined ? Promise.resolve(r) : new Promise((resolve) => waiting.push(resolve))
  }
}

t.test('wire protocol', async (t) => {
  const engine = await startEmbeddedMongo()
  t.teardown(() => engine.stop())
  const socket = connect(engine.port, engine.host)
  await once(socket, 'connect')
  t.teardown(() => socket.destroy())
  const next = replies(socket)

  t.test('an OP_QUERY isMaster on admin.$cmd gets an OP_REPLY', async (t) => {
    socket.write(opQuery(7, 'admin.$cmd', { isMaster: 1, helloOk: true }))
    const reply = await next()
    t.equal(reply.opCode, OP_REPLY)
    t.equal(reply.responseTo, 7)
    t.equal(reply.numberReturned, 1)
    t.equal(reply.doc.ismaster, true)
    t.equal(reply.doc.helloOk, true)
    t.equal(reply.doc.maxWireVersion, 21)
    t.equal(reply.doc.ok, 1)
  })

  t.test('an OP_QUERY command wrapped in $query is unwrapped', async (t) => {
    socket.write(opQuery(70, 'admin.$cmd', { $query: { ping: 1 }, $readPreference: { mode: 'primary' } }))
    const reply = await next()
    t.equal(reply.responseTo, 70)
    t.same(reply.doc, { ok: 1 })
  })

  t.test('a message split across two writes is answered once complete', async (t) => {
    const message = opMsg(8, { ping: 1, $db: 'admin' })
    socket.write(message.subarray(0, 10))
    await new Promise((resolve) => setImmediate(resolve))
    socket.write(message.subarray(10))
    const reply = await next()
    t.equal(reply.opCode, OP_MSG)
    t.equal(reply.responseTo, 8)
    t.same(reply.doc, { ok: 1 })
  })

  t.test('several messages in one write are all answered in order', async (t) => {
    socket.write(Buffer.concat([opMsg(9, { ping: 1, $db: 'admin' }), opMsg(10, { buildInfo: 1, $db: 'admin' }), opMsg(11, { nope: 1, $db: 'admin' })]))
    const [a, b, c] = [await next(), await next(), await next()]
    t.same([a.responseTo, b.responseTo, c.responseTo], [9, 10, 11])
    t.match(b.doc.version, /^7\.0\./)
    t.same(c.doc, { ok: 0, errmsg: "no such command: 'nope'", code: 59, codeName: 'CommandNotFound' })
  })

  t.test('document sequences, moreToCome and checksums', async (t) => {
    socket.write(opMsg(12, { insert: 'raw', $db: 'wire' }, 2, [['documents', [{ _id: 1 }, { _id: 2 }]]]))
    socket.write(opMsg(13, { count: 'raw', $db: 'wire' }, 1))
    const reply = await next()
    t.equal(reply.responseTo, 13, 'the moreToCome insert got no reply')
    t.same(reply.doc, { n: 2, ok: 1 })
  })

  t.test('an unsupported opcode closes the connection', async (t) => {
    const bad = connect(engine.port, engine.host)
    await once(bad, 'connect')
    bad.write(header(16, 1, 2010))
    await once(bad, 'close')
    t.pass('closed')
  })

  t.test('stop() closes client sockets', async (t) => {
    const other = await startEmbeddedMongo({ host: '127.0.0.1' })
    const client = await new MongoClient(other.uri).connect()
    t.same(await client.db('x').command({ ping: 1 }), { ok: 1 })
    await other.stop()
    await t.rejects(client.db('x').command({ ping: 1 }, { timeoutMS: 2000 }))
    await client.close()
  })
})

t.test('the CLI prints its URI and serves until SIGTERM', async (t) => {
  const probe = await startEmbeddedMongo()
  const port = probe.port
  await probe.stop()
  // The CLI runs under tsx, not tap's loader: keep it out of coverage so its differently
  // compiled copy of the engine does not overwrite the in-process figures.
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/db/embedded/cli.ts', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'], env })
  t.teardown(() => child.kill('SIGKILL'))
  const lines = createInterface({ input: child.stdout })
  const [line] = (await once(lines, 'line')) as [string]
  t.equal(line, `mongodb://127.0.0.1:${port}/`)
  const client = await new MongoClient(line).connect()
  t.same(await client.db('cli').command({ ping: 1 }), { ok: 1 })
  await client.close()
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
})
