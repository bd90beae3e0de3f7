import { Collection, assertCollectionName, type CollectionOptions } from './collection.js'
import { CommandError } from './errors.js'

/** All databases of one engine: database name → collection name → collection. */
export class Store {
  private readonly databases = new Map<string, Map<string, Collection>>()

  databaseNames (): string[] {
    return [...this.databases.keys()].filter((name) => (this.databases.get(name)?.size ?? 0) > 0)
  }

  collections (dbName: string): Collection[] {
    return [...(this.databases.get(dbName)?.values() ?? [])]
  }

  get (dbName: string, name: string): Collection | undefined {
    return this.databases.get(dbName)?.get(name)
  }

  /** The collection, created implicitly (as a write to a missing collection does in mongod). */
  obtain (dbName: string, name: string): Collection {
    return this.get(dbName, name) ?? this.create(dbName, name)
  }

  create (dbName: string, name: string, options: CollectionOptions = {}): Collection {
    assertDatabaseName(dbName)
    assertCollectionName(name)
    let db = this.databases.get(dbName)
    if (db === undefined) {
      db = new Map()
      this.databases.set(dbName, db)
    }
    if (db.has(name)) throw new CommandError(48, 'NamespaceExists', `Collection ${dbName}.${name} already exists.`)
    const collection = new Collection(dbName, name, options)
    db.set(name, collection)
    return collection
  }

  drop (dbName: string, name: string): boolean {
    const db = this.databases.get(dbName)
    const existed = db?.delete(name) ?? false
    if (db !== undefined && db.size === 0) this.databases.delete(dbName)
    return existed
  }

  dropDatabase (dbName: string): void {
    this.databases.delete(dbName)
  }

  rename (from: Collection, toDb: string, toName: string): void {
    this.drop(from.dbName, from.name)
    assertCollectionName(toName)
    let db = this.databases.get(toDb)
    if (db === undefined) {
      db = new Map()
      this.databases.set(toDb, db)
    }
    from.dbName = toDb
    from.name = toName
    db.set(toName, from)
  }
}

function assertDatabaseName (name: string): void {
  if (name.length === 0 || /[/\\. "$\0]/.test(name) || name.length > 63) {
    throw new CommandError(73, 'InvalidNamespace', `Invalid database name: '${name}'`)
  }
}
