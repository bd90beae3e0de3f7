import t from 'tap'
import { Double, Long, type Document } from 'mongodb'
import { setup } from './helper.js'

interface Keyed { _id: number; [field: string]: unknown }

const byId = (docs: unknown): unknown[] => (docs as Array<{ _id: number }>).slice().sort((a, b) => a._id - b._id)

t.test('$lookup', async (t) => {
  const { db } = await setup(t)

  t.test('localField/foreignField with a pipeline: the pipeline runs over the matched documents only', async (t) => {
    await db.collection<Keyed>('zz').insertOne({ _id: 1, k: 1 })
    await db.collection<Keyed>('yy').insertMany([{ _id: 1, k: 1, w: 'match' }, { _id: 2, k: 2, w: 'other' }, { _id: 3, k: 1, w: 'again' }])
    const rows = await db.collection<Keyed>('zz').aggregate([
      { $lookup: { from: 'yy', localField: 'k', foreignField: 'k', pipeline: [{ $sort: { _id: 1 } }, { $project: { _id: 0, w: 1 } }], as: 'j' } }
    ]).toArray()
    t.same(rows, [{ _id: 1, k: 1, j: [{ w: 'match' }, { w: 'again' }] }])
    const withLet = await db.collection<Keyed>('zz').aggregate([
      {
        $lookup: {
          from: 'yy',
          localField: 'k',
          foreignField: 'k',
          let: { wanted: 'again' },
          pipeline: [{ $match: { $expr: { $eq: ['$w', '$$wanted'] } } }, { $project: { _id: 1 } }],
          as: 'j'
        }
      }
    ]).toArray()
    t.same(withLet, [{ _id: 1, k: 1, j: [{ _id: 3 }] }])
  })

  t.test('localField/foreignField with a leading constant $match: the same rows with a compound index on both as without', async (t) => {
    const orders = db.collection<Keyed>('orders')
    const lines = db.collection<Keyed>('lines')
    await orders.insertMany([{ _id: 1, tenant: 'a', order: 10 }, { _id: 2, tenant: 'b', order: 10 }, { _id: 3, tenant: 'a', order: 11 }])
    await lines.insertMany([
      { _id: 1, tenant: 'a', order: 10, qty: 1 }, { _id: 2, tenant: 'b', order: 10, qty: 2 }, { _id: 3, tenant: 'a', order: 10, qty: 3 },
      { _id: 4, tenant: 'a', order: 11, qty: 4 }, { _id: 5, tenant: 'a', order: [10, 11], qty: 5 }, { _id: 6, order: 10, qty: 6 }
    ])
    const join = (match: Document) => orders.aggregate([
      { $match: { tenant: 'a' } },
      { $sort: { _id: 1 } },
      { $lookup: { from: 'lines', localField: 'order', foreignField: 'order', pipeline: [{ $match: match }, { $sort: { _id: 1 } }, { $project: { _id: 1 } }], as: 'j' } },
      { $project: { j: '$j._id' } }
    ]).toArray()
    const matches: Document[] = [{ tenant: 'a' }, { tenant: 'a', qty: { $gte: Long.fromNumber(3) } }, { $and: [{ tenant: 'a' }, { qty: { $lt: 5 } }] }, { order: 11 }, { tenant: { $exists: false } }]
    const expected = [
      [{ _id: 1, j: [1, 3, 5] }, { _id: 3, j: [4, 5] }],
      [{ _id: 1, j: [3, 5] }, { _id: 3, j: [4, 5] }],
      [{ _id: 1, j: [1, 3] }, { _id: 3, j: [4] }],
      [{ _id: 1, j: [5] }, { _id: 3, j: [4, 5] }],
      [{ _id: 1, j: [6] }, { _id: 3, j: [] }]
    ]
    const unindexed = []
    for (const match of matches) unindexed.push(await join(match))
    t.same(unindexed, expected, 'without an index')
    await lines.createIndex({ tenant: 1, order: 1, qty: 1 })
    const indexed = []
    for (const match of matches) indexed.push(await join(match))
    t.same(indexed, expected, 'with an index on the match and the join field')
  })

  t.test('equality matching: arrays, null and missing, numeric types', async (t) => {
    const left = db.collection<Keyed>('left')
    const right = db.collection<Keyed>('right')
    await right.createIndex({ r: 1 })
    await right.insertMany([
      { _id: 1, r: 1 },
      { _id: 2, r: Long.fromNumber(2) },
      { _id: 3, r: [3, 4] },
      { _id: 4, r: null },
      { _id: 5 },
      { _id: 6, r: 'x' }
    ])
    await left.insertMany([
      { _id: 1, l: new Double(1) },
      { _id: 2, l: 2 },
      { _id: 3, l: 4 },
      { _id: 4, l: [1, 'x'] },
      { _id: 5 },
      { _id: 6, l: null },
      { _id: 7, l: 'nothing' }
    ])
    await db.collection<Keyed>('rightUnindexed').insertMany(await right.find().toArray())
    const expected = [[1], [2], [3], [1, 6], [4, 5], [4, 5], []]
    for (const from of ['right', 'rightUnindexed']) {
      const rows = await left.aggregate([{ $lookup: { from, localField: 'l', foreignField: 'r', as: 'm' } }, { $sort: { _id: 1 } }]).toArray()
      t.same(rows.map((r: Document) => byId(r.m).map((m) => (m as Keyed)._id)), expected, from)
    }
  })

  t.test('let and $expr $eq sub-pipelines find the same rows through an index as without one', async (t) => {
    const users = db.collection<Keyed>('users')
    const chats = db.collection<Keyed>('chats')
    const messages = db.collection<Keyed>('messages')
    await chats.createIndex({ clientId: 1, userId: 1, handleStart: 1 })
    await messages.createIndex({ clientId: 1, chatId: 1, sentAt: 1 })
    const userRows: Keyed[] = []
    const chatRows: Keyed[] = []
    const messageRows: Keyed[] = []
    for (const clientId of [1, 2]) {
      for (let u = 1; u <= 4; u++) userRows.push({ _id: clientId * 100 + u, clientId, userId: u })
      for (let c = 1; c <= 60; c++) {
        const chat: Keyed = { _id: clientId * 1000 + c, clientId, chatId: c, userId: (c % 5) + 1 }
        if (c % 3 !== 0) chat.handleStart = new Date(Date.UTC(2024, 0, 1, 0, c))
        chatRows.push(chat)
        for (let m = 0; m < c % 4; m++) messageRows.push({ _id: clientId * 100000 + c * 10 + m, clientId, chatId: c, sentAt: new Date(Date.UTC(2024, 0, 1, 1, c, m)) })
      }
    }
    userRows.push({ _id: 999, clientId: 1 })
    await users.insertMany(userRows)
    await chats.insertMany(chatRows)
    await messages.insertMany(messageRows)
    await db.collection<Keyed>('chatsCopy').insertMany(chatRows)
    await db.collection<Keyed>('messagesCopy').insertMany(messageRows)

    const pipeline = (chatsFrom: string, messagesFrom: string): Document[] => [
      { $match: { clientId: 1 } },
      {
        $lookup: {
          from: chatsFrom,
          let: { userId: '$userId' },
          pipeline: [
            { $match: { clientId: 1, handleStart: { $exists: true }, $expr: { $eq: ['$userId', '$$userId'] } } },
            {
              $lookup: {
                from: messagesFrom,
                let: { chatId: '$chatId' },
                pipeline: [{ $match: { clientId: 1, $expr: { $and: [{ $eq: ['$$chatId', '$chatId'] }] } } }, { $sort: { sentAt: 1 } }, { $project: { _id: 1 } }],
                as: 'messages'
              }
            },
            { $sort: { chatId: 1 } },
            { $project: { _id: 0, chatId: 1, n: { $size: '$messages' }, first: { $first: '$messages._id' } } }
          ],
          as: 'chats'
        }
      },
      { $sort: { _id: 1 } },
      { $project: { _id: 1, chats: 1 } }
    ]
    const indexed = await users.aggregate(pipeline('chats', 'messages')).toArray()
    const scanned = await users.aggregate(pipeline('chatsCopy', 'messagesCopy')).toArray()
    t.same(indexed, scanned)

    const expected = userRows.filter((u) => u.clientId === 1).sort((a, b) => a._id - b._id).map((u) => ({
      _id: u._id,
      chats: chatRows
        .filter((c) => c.clientId === 1 && c.handleStart !== undefined && u.userId !== undefined && c.userId === u.userId)
        .map((c) => {
          const own = messageRows.filter((m) => m.clientId === 1 && m.chatId === c.chatId)
          return { chatId: c.chatId, n: own.length, ...(own.length > 0 ? { first: own[0]._id } : {}) }
        })
    }))
    t.same(indexed, expected)
    t.equal((indexed[1].chats as unknown[]).length, 8)
  })

  t.test('other sub-pipeline shapes: ranges, variables holding documents or arrays, $and of $expr', async (t) => {
    const slots = db.collection<Keyed>('slots')
    await slots.createIndex({ room: 1, hour: 1 })
    await slots.insertMany([
      { _id: 1, room: 'a', hour: 9 }, { _id: 2, room: 'a', hour: 10 }, { _id: 3, room: 'a', hour: 11 },
      { _id: 4, room: 'b', hour: 9 }, { _id: 5, room: 'b', hour: [10, 11] }, { _id: 6, hour: 9 }
    ])
    const asks = db.collection<Keyed>('asks')
    await asks.insertMany([
      { _id: 1, where: { room: 'a' }, from: 10, rooms: ['a', 'b'] },
      { _id: 2, where: { room: 'b' }, from: 9, rooms: ['b'] },
      { _id: 3, where: {}, from: 9, rooms: [] }
    ])
    const rows = await asks.aggregate([
      {
        $lookup: {
          from: 'slots',
          let: { w: '$where', from: '$from', rooms: '$rooms' },
          pipeline: [
            { $match: { $expr: { $and: [{ $eq: ['$room', '$$w.room'] }, { $gte: ['$hour', '$$from'] }] } } },
            { $project: { _id: 1 } }
          ],
          as: 'range'
        }
      },
      {
        $lookup: {
          from: 'slots',
          let: { rooms: '$rooms', w: '$where' },
          pipeline: [{ $match: { $and: [{ hour: 9 }, { $expr: { $in: ['$room', '$$rooms'] } }] } }, { $project: { _id: 1 } }],
          as: 'nine'
        }
      },
      {
        $lookup: {
          from: 'slots',
          let: { w: '$where' },
          pipeline: [{ $match: { hour: { $in: [9, 11] }, $expr: { $eq: ['$$w.room', '$room'] } } }, { $project: { _id: 1 } }],
          as: 'same'
        }
      },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows.map((r: Document) => [r._id, byId(r.range), byId(r.nine), byId(r.same)]), [
      [1, [{ _id: 2 }, { _id: 3 }], [{ _id: 1 }, { _id: 4 }], [{ _id: 1 }, { _id: 3 }]],
      [2, [{ _id: 4 }, { _id: 5 }], [{ _id: 4 }], [{ _id: 4 }, { _id: 5 }]],
      [3, [{ _id: 6 }], [], [{ _id: 6 }]]
    ])
  })

  t.test('results are copies: a sub-pipeline that changes joined documents changes nothing stored', async (t) => {
    const owners = db.collection<Keyed>('owners')
    const pets = db.collection<Keyed>('pets')
    await pets.createIndex({ owner: 1 })
    await owners.insertMany([{ _id: 1 }, { _id: 2 }])
    await pets.insertMany([{ _id: 1, owner: 1, info: { age: 3 } }, { _id: 2, owner: 2, info: { age: 5 } }])
    const rows = await owners.aggregate([
      {
        $lookup: {
          from: 'pets',
          let: { id: '$_id' },
          pipeline: [{ $match: { $expr: { $eq: ['$owner', '$$id'] } } }, { $set: { 'info.seen': true } }, { $unset: 'info.age' }],
          as: 'pets'
        }
      },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows, [{ _id: 1, pets: [{ _id: 1, owner: 1, info: { seen: true } }] }, { _id: 2, pets: [{ _id: 2, owner: 2, info: { seen: true } }] }])
    t.same(await pets.find().sort({ _id: 1 }).toArray(), [{ _id: 1, owner: 1, info: { age: 3 } }, { _id: 2, owner: 2, info: { age: 5 } }])
  })

  t.test('"as" may be a dotted path', async (t) => {
    const rows = await db.collection<Keyed>('owners').aggregate([
      { $match: { _id: 1 } },
      { $lookup: { from: 'pets', localField: '_id', foreignField: 'owner', as: 'family.pets' } },
      { $project: { 'family.pets._id': 1 } }
    ]).toArray()
    t.same(rows, [{ _id: 1, family: { pets: [{ _id: 1 }] } }])
  })

  t.test('a sub-pipeline that only counts: one document with the count, none when nothing joins, with an index or without', async (t) => {
    const agents = db.collection<Keyed>('agents')
    const sent = db.collection<Keyed>('sent')
    await agents.insertMany([{ _id: 1, tenant: 'a', agent: 1 }, { _id: 2, tenant: 'a', agent: 2 }, { _id: 3, tenant: 'a' }, { _id: 4, tenant: 'a', agent: [1, 2] }])
    await sent.insertMany([
      { _id: 1, tenant: 'a', agent: 1 }, { _id: 2, tenant: 'a', agent: 1 }, { _id: 3, tenant: 'b', agent: 1 },
      { _id: 4, tenant: 'a', agent: 3 }, { _id: 5, tenant: 'a' }, { _id: 6, tenant: 'a', agent: [1, 3] }
    ])
    const counts = (pipeline: Document[]) => agents.aggregate([
      { $sort: { _id: 1 } },
      { $lookup: { from: 'sent', localField: 'agent', foreignField: 'agent', pipeline, as: 'n' } },
      { $project: { _id: 1, n: 1 } }
    ]).toArray()
    const expected = [{ _id: 1, n: [{ count: 3 }] }, { _id: 2, n: [] }, { _id: 3, n: [{ count: 1 }] }, { _id: 4, n: [{ count: 3 }] }]
    const withMatch = [{ $match: { tenant: 'a' } }, { $count: 'count' }]
    const unindexed = [await counts(withMatch), await counts([{ $count: 'count' }])]
    await sent.createIndex({ tenant: 1, agent: 1 })
    const indexed = [await counts(withMatch), await counts([{ $count: 'count' }])]
    t.same(unindexed[0], expected, 'a leading $match, no index')
    t.same(indexed[0], expected, 'a leading $match, an index on it and the join field')
    const everyTenant = [{ _id: 1, n: [{ count: 4 }] }, { _id: 2, n: [] }, { _id: 3, n: [{ count: 1 }] }, { _id: 4, n: [{ count: 4 }] }]
    t.same(unindexed[1], everyTenant, '$count alone, no index')
    t.same(indexed[1], everyTenant, '$count alone, with the index')
    const refused = await counts([{ $count: '$count' }]).then(() => undefined, (error: { code?: number }) => error.code)
    t.equal(refused, 40158, 'a $-prefixed count field is refused as mongod refuses it')
  })
})
