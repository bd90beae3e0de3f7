import t from 'tap'
import type { CollectionInfo } from 'mongodb'
import { Int32, Long, MongoBulkWriteError, MongoServerError } from 'mongodb'
import { setup, type Row } from './helper.js'

const contactSchema = {
  bsonType: 'object',
  required: ['name', 'age'],
  additionalProperties: false,
  properties: {
    _id: { bsonType: 'objectId' },
    name: { bsonType: 'string', minLength: 2, maxLength: 20, pattern: '^[A-Z]' },
    age: { bsonType: ['int', 'long'], minimum: 0, maximum: 150 },
    email: { bsonType: ['string', 'null'] },
    role: { enum: ['agent', 'manager'] },
    tags: { bsonType: 'array', items: { bsonType: 'string' }, minItems: 1, maxItems: 3 },
    address: { bsonType: 'object', required: ['city'], properties: { city: { bsonType: 'string' } } },
    score: { bsonType: 'number' },
    seen: { bsonType: 'date' },
    active: { bsonType: 'bool' }
  }
}

t.test('$jsonSchema validators', async (t) => {
  const { db } = await setup(t)
  await db.createCollection('contacts', { validator: { $jsonSchema: contactSchema } })
  const contacts = db.collection<Row>('contacts')

  t.test('valid documents are accepted', async (t) => {
    await contacts.insertOne({ name: 'Ada', age: 36 })
    await contacts.insertOne({
      name: 'Alan',
      age: Long.fromNumber(41),
      email: null,
      role: 'agent',
      tags: ['x', 'y'],
      address: { city: 'Wilmslow' },
      score: 2.5,
      seen: new Date(),
      active: true
    })
    t.equal(await contacts.countDocuments(), 2)
  })

  t.test('invalid inserts fail with code 121 DocumentValidationFailure', async (t) => {
    const invalid: Array<[string, Record<string, unknown>]> = [
      ['missing a required field', { name: 'Ada' }],
      ['wrong bsonType', { name: 'Ada', age: 'old' }],
      ['a double where int or long is required', { name: 'Ada', age: 3.5 }],
      ['below minimum', { name: 'Ada', age: -1 }],
      ['above maximum', { name: 'Ada', age: 151 }],
      ['too short', { name: 'A', age: 1 }],
      ['too long', { name: 'A'.repeat(21), age: 1 }],
      ['pattern mismatch', { name: 'ada', age: 1 }],
      ['not in enum', { name: 'Ada', age: 1, role: 'boss' }],
      ['an additional property', { name: 'Ada', age: 1, extra: true }],
      ['an additional property named like an object method', { name: 'Ada', age: 1, constructor: 1 }],
      ['an additional property named toString', { name: 'Ada', age: 1, toString: 'x' }],
      ['a wrong array item', { name: 'Ada', age: 1, tags: [1] }],
      ['too few items', { name: 'Ada', age: 1, tags: [] }],
      ['too many items', { name: 'Ada', age: 1, tags: ['a', 'b', 'c', 'd'] }],
      ['a nested required field', { name: 'Ada', age: 1, address: {} }],
      ['a string where number is required', { name: 'Ada', age: 1, score: '1' }],
      ['a string where date is required', { name: 'Ada', age: 1, seen: '2024-01-01' }],
      ['a number where bool is required', { name: 'Ada', age: 1, active: 1 }]
    ]
    for (const [why, doc] of invalid) {
      const error = await contacts.insertOne(doc).catch((e: unknown) => e)
      t.ok(error instanceof MongoServerError, why)
      t.equal((error as MongoServerError).code, 121, why)
    }
    t.equal(await contacts.countDocuments(), 2)
  })

  t.test('an int32 satisfies bsonType int', async (t) => {
    await contacts.insertOne({ name: 'Grace', age: new Int32(85) })
    t.equal(await contacts.countDocuments({ name: 'Grace' }), 1)
  })

  t.test('updates that break the schema fail and change nothing', async (t) => {
    await t.rejects(contacts.updateOne({ name: 'Ada' }, { $set: { age: 'unknown' } }), { code: 121 })
    await t.rejects(contacts.updateOne({ name: 'Ada' }, { $unset: { age: '' } }), { code: 121 })
    await t.rejects(contacts.replaceOne({ name: 'Ada' }, { name: 'Ada' }), { code: 121 })
    await t.rejects(contacts.findOneAndUpdate({ name: 'Ada' }, { $set: { role: 'boss' } }), { code: 121 })
    await t.rejects(contacts.updateOne({ name: 'Nobody' }, { $set: { age: 'x' } }, { upsert: true }), { code: 121 })
    t.same(await contacts.findOne({ name: 'Ada' }, { projection: { _id: 0 } }), { name: 'Ada', age: 36 })
    await contacts.updateOne({ name: 'Ada' }, { $set: { age: 37 } })
    t.same(await contacts.findOne({ name: 'Ada' }, { projection: { _id: 0 } }), { name: 'Ada', age: 37 })
  })

  t.test('insertMany surfaces 121 as a bulk write error', async (t) => {
    const error = await contacts.insertMany([{ name: 'Joan', age: 30 }, { name: 'x', age: 1 }]).catch((e: unknown) => e)
    t.ok(error instanceof MongoBulkWriteError)
    t.equal((error as MongoBulkWriteError).code, 121)
    t.equal((error as MongoBulkWriteError).result.insertedCount, 1)
  })

  t.test('collMod adds a validator to an existing collection', async (t) => {
    const notes = db.collection<Row>('notes')
    await notes.insertOne({ text: 'free' })
    await db.command({ collMod: 'notes', validator: { $jsonSchema: { bsonType: 'object', required: ['text'], properties: { text: { bsonType: 'string' } } } } })
    await t.rejects(notes.insertOne({ text: 5 }), { code: 121 })
    await notes.insertOne({ text: 'ok' })
    const info = await db.listCollections({ name: 'notes' }).toArray()
    t.same((info[0] as CollectionInfo).options?.validator.$jsonSchema.required, ['text'])
    await t.rejects(db.command({ collMod: 'missingCollection', validator: {} }), { code: 26 })
  })

  t.test('validationAction warn and bypassDocumentValidation let documents through', async (t) => {
    await db.createCollection('lenient', { validator: { $jsonSchema: { required: ['x'] } }, validationAction: 'warn' })
    await db.collection<Row>('lenient').insertOne({ y: 1 })
    await contacts.insertOne({ name: 'bad' }, { bypassDocumentValidation: true })
    t.equal(await db.collection<Row>('lenient').countDocuments(), 1)
    t.equal(await contacts.countDocuments({ name: 'bad' }), 1)
  })

  t.test('a validator may combine $jsonSchema with query operators', async (t) => {
    await db.createCollection('ranges', { validator: { $jsonSchema: { required: ['lo', 'hi'] }, $expr: { $lt: ['$lo', '$hi'] } } })
    const ranges = db.collection<Row>('ranges')
    await ranges.insertOne({ lo: 1, hi: 2 })
    await t.rejects(ranges.insertOne({ lo: 3, hi: 2 }), { code: 121 })
    await t.rejects(ranges.insertOne({ lo: 3 }), { code: 121 })
  })
})
