import { MongoServerError, type Collection, type Db } from 'mongodb'
import { backgroundComment } from '../../db/plugin.js'

/** Leases are only ever taken by an instance's own jobs, never for a request. */
const COMMENT = backgroundComment('leases')

interface LeaseDocument { _id: string, owner: string, until: Date }

/**
 * Named leases in the database, so that one instance at a time does a periodic job (the outbox sweep, a client's
 * webhook fan-out). A lease is held until `until`; its owner renews it, anyone takes it once it has lapsed.
 */
export class Leases {
  private readonly leases: Collection<LeaseDocument>

  constructor (db: Db, readonly owner: string) {
    this.leases = db.collection<LeaseDocument>('leases')
  }

  /** Takes or renews the lease for `ms`; false when another owner holds it. */
  async acquire (name: string, ms: number): Promise<boolean> {
    const now = new Date()
    try {
      const lease = await this.leases.findOneAndUpdate(
        { _id: name, $or: [{ until: { $lte: now } }, { owner: this.owner }] },
        { $set: { owner: this.owner, until: new Date(now.getTime() + ms) } },
        { upsert: true, returnDocument: 'after', comment: COMMENT }
      )
      return lease?.owner === this.owner
    } catch (error) {
      // Held by another owner: the upsert tried to create a second lease of the same name.
      if (error instanceof MongoServerError && Number(error.code) === 11000) return false
      throw error
    }
  }

  async release (name: string): Promise<void> {
    await this.leases.deleteOne({ _id: name, owner: this.owner }, { comment: COMMENT })
  }
}
