import { ObjectId } from 'mongodb'
import type { CustomersRepository } from '../customers/repository.js'
import { MAX_ENGAGEMENTS, type EngagementsRepository } from '../engagements/repository.js'
import type { ChannelNames } from './cleaning.js'
import type { InteractionsRepository } from '../interactions/repository.js'
import { prepareInteractions, type NewInteraction } from '../interactions/prepare.js'
import type { TopicsRepository } from '../topics/repository.js'
import type { ImportLookups, KnownCustomer } from './lookups.js'
import type { CustomerRecord, TopicRecord } from './rows.js'

export interface ImportTarget {
  engagements: EngagementsRepository
  customers: CustomersRepository
  topics: TopicsRepository
  interactions: InteractionsRepository
  lookups: ImportLookups
}

export interface WriteCounts { inserted: number, updated: number, unchanged: number }

export interface KeyedInteraction extends NewInteraction { contentKey: string }

/** True when storing the record would change the stored customer (empty cells never clear a stored value). */
function changesCustomer (stored: KnownCustomer, record: CustomerRecord): boolean {
  return stored.inferred === true ||
    (record.occupation !== undefined && record.occupation !== stored.occupation) ||
    (record.type !== undefined && record.type !== stored.type)
}

/**
 * Writes batches through the interactions domain's repositories (bulk upserts on natural keys), or — in a dry run —
 * reads what is stored and says what those writes would do, writing nothing.
 */
export class ImportWriter {
  private readonly channels = new Map<string, ObjectId>()
  private readonly lowerCaseNames = new Map<string, string>()

  constructor (private readonly target: ImportTarget, private readonly clientId: ObjectId, private readonly dryRun: boolean, private readonly source: string) {}

  async loadChannels (): Promise<void> {
    for (const engagement of await this.target.engagements.listAll(this.clientId)) this.remember(engagement.name, engagement._id)
  }

  private remember (name: string, id: ObjectId): void {
    this.channels.set(name, id)
    if (!this.lowerCaseNames.has(name.toLowerCase())) this.lowerCaseNames.set(name.toLowerCase(), name)
  }

  /** The client's channels (and those this import created) by lower-case name, first spelling first. */
  channelNames (): ChannelNames {
    return this.lowerCaseNames
  }

  /** False when `name` is a new channel and the client has MAX_ENGAGEMENTS already. */
  channelAllowed (name: string): boolean {
    return this.channels.has(name) || this.channels.size < MAX_ENGAGEMENTS
  }

  /** The channel's engagement id, creating the engagement when the channel is new (`created`). */
  async channel (name: string): Promise<{ id: ObjectId, created: boolean }> {
    const known = this.channels.get(name)
    if (known) return { id: known, created: false }
    let id = new ObjectId()
    if (!this.dryRun) {
      const stored = await this.target.engagements.upsertByNames(this.clientId, [{ name, source: this.source }])
      id = (stored.get(name)?._id ?? id)
    }
    this.remember(name, id)
    return { id, created: true }
  }

  /** `fresh`: customers first met in this import; `corrections`: later rows of this import that change one. */
  async writeCustomers (fresh: CustomerRecord[], corrections: CustomerRecord[]): Promise<WriteCounts> {
    const total = fresh.length + corrections.length
    if (!this.dryRun) {
      const { inserted, updated } = await this.target.customers.upsertMany(this.clientId, [...fresh, ...corrections])
      return { inserted, updated, unchanged: total - inserted - updated }
    }
    const stored = await this.target.lookups.customersByIds(this.clientId, fresh.map((record) => record.customerId))
    const inserted = fresh.filter((record) => !stored.has(record.customerId)).length
    const updated = corrections.length + fresh.filter((record) => {
      const known = stored.get(record.customerId)
      return known !== undefined && changesCustomer(known, record)
    }).length
    return { inserted, updated, unchanged: total - inserted - updated }
  }

  /** Customers referenced by interactions: the ones not stored are kept as inferred customers; returns their ids. */
  async ensureCustomers (customerIds: number[]): Promise<number[]> {
    const stored = await this.target.lookups.customersByIds(this.clientId, customerIds)
    const missing = customerIds.filter((customerId) => !stored.has(customerId)).sort((a, b) => a - b)
    if (!this.dryRun && missing.length > 0) await this.target.customers.ensureExist(this.clientId, missing)
    return missing
  }

  /** New calendar entries are stored and tag the calendar-derived topics of that month's interactions. */
  async writeTopics (entries: TopicRecord[]): Promise<WriteCounts> {
    const stored = await this.target.topics.productsByMonth(this.clientId, entries.map((entry) => entry.month))
    const fresh = entries.filter((entry) => !(stored.get(entry.month) ?? []).includes(entry.product))
    if (!this.dryRun && fresh.length > 0) {
      await this.target.topics.upsertMany(this.clientId, fresh)
      for (const entry of fresh) await this.target.interactions.tagCalendarMonth(this.clientId, entry.month, entry.product)
    }
    return { inserted: fresh.length, updated: 0, unchanged: entries.length - fresh.length }
  }

  /** Interactions are identified by their content key: one already stored is left as it is. */
  async writeInteractions (batch: KeyedInteraction[]): Promise<WriteCounts> {
    if (!this.dryRun) {
      const docs = await prepareInteractions(this.target.topics, this.clientId, batch)
      const { inserted, existing } = await this.target.interactions.upsertMany(docs)
      return { inserted, updated: 0, unchanged: existing }
    }
    const stored = await this.target.lookups.existingContentKeys(this.clientId, batch.map((input) => input.contentKey))
    return { inserted: batch.length - stored.size, updated: 0, unchanged: stored.size }
  }
}
