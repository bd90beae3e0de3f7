import type { Db, Document } from 'mongodb'

/** Creates a collection with its `$jsonSchema` validator, or replaces the validator when it exists. */
export async function defineCollection (db: Db, name: string, jsonSchema: Document): Promise<void> {
  const validator = { $jsonSchema: jsonSchema }
  const existing = await db.listCollections({ name }, { nameOnly: true }).toArray()
  if (existing.length === 0) {
    await db.createCollection(name, { validator, validationLevel: 'strict', validationAction: 'error' })
  } else {
    await db.command({ collMod: name, validator, validationLevel: 'strict', validationAction: 'error' })
  }
}

/** Removes a collection's validator (the `down` of defineCollection when the collection stays). */
export async function dropValidator (db: Db, name: string): Promise<void> {
  await db.command({ collMod: name, validator: {} })
}
