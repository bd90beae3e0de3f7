import { contentKey } from '../interactions/repository.js'
import { cellText, type Cell } from './cleaning.js'
import { KeySet } from './key-set.js'
import type { ReportBuilder, SheetReport } from './report.js'
import type { CustomerRecord, InteractionRecord, RecordByKind, TopicRecord } from './rows.js'
import type { SheetKind } from './sheets.js'
import { WriteBehind } from './write-behind.js'
import type { ImportWriter, KeyedInteraction, WriteCounts } from './writer.js'

/** Rows per bulk write. */
export const BATCH_SIZE = 1000

type CustomerState = Pick<CustomerRecord, 'occupation' | 'type'>

/** What this import has met so far, shared by its sheets: customers (with their values) and every row's key. */
export class ImportState {
  readonly customers = new Map<number, CustomerState>()
  readonly knownCustomers = new Set<number>()
  readonly interactionKeys = new KeySet(BATCH_SIZE)
  readonly topicKeys = new Set<string>()
}

export interface SheetProcessor<K extends SheetKind> {
  readonly kind: K
  add (record: RecordByKind[K], cells: Cell[], columns: Record<string, number>): Promise<void>
  /** Writes what is pending and waits for every write started. */
  flush (): Promise<void>
  /** Waits for the write in flight, if any (after a failure: so the report counts only what was written). */
  settle (): Promise<void>
}

function count (sheet: SheetReport, counts: WriteCounts): void {
  sheet.inserted += counts.inserted
  sheet.updated += counts.updated
  sheet.unchanged += counts.unchanged
}

/** Customers: the first row of an id is upserted; a later row counts as a duplicate, or as a correction when it changes something. */
class CustomersProcessor implements SheetProcessor<'customers'> {
  readonly kind = 'customers' as const
  private fresh = new Map<number, CustomerRecord>()
  private corrections = new Map<number, CustomerRecord>()
  private readonly writes = new WriteBehind()

  constructor (private readonly writer: ImportWriter, private readonly state: ImportState, private readonly sheet: SheetReport) {}

  async add (record: CustomerRecord): Promise<void> {
    const { customerId, ...values } = record
    const before = this.state.customers.get(customerId)
    if (before) {
      const after = { ...before, ...values }
      if (after.occupation === before.occupation && after.type === before.type) {
        this.sheet.duplicates++
        return
      }
      if (this.fresh.has(customerId) || this.corrections.has(customerId)) await this.dispatch()
      this.state.customers.set(customerId, after)
      this.corrections.set(customerId, record)
    } else {
      this.state.customers.set(customerId, values)
      this.fresh.set(customerId, record)
    }
    if (this.fresh.size + this.corrections.size >= BATCH_SIZE) await this.dispatch()
  }

  /** Starts writing the pending batch once the write before it has finished. */
  private async dispatch (): Promise<void> {
    if (this.fresh.size + this.corrections.size === 0) return
    const fresh = [...this.fresh.values()]
    const corrections = [...this.corrections.values()]
    this.fresh = new Map()
    this.corrections = new Map()
    await this.writes.start(async () => { count(this.sheet, await this.writer.writeCustomers(fresh, corrections)) })
  }

  async flush (): Promise<void> {
    await this.dispatch()
    await this.writes.settled()
  }

  async settle (): Promise<void> {
    await this.writes.settled()
  }
}

/** Products of discussion: one entry per month and product. */
class TopicsProcessor implements SheetProcessor<'topics'> {
  readonly kind = 'topics' as const
  private pending: TopicRecord[] = []

  constructor (private readonly writer: ImportWriter, private readonly state: ImportState, private readonly sheet: SheetReport) {}

  async add (record: TopicRecord): Promise<void> {
    const key = `${record.month}\u0000${record.product}`
    if (this.state.topicKeys.has(key)) {
      this.sheet.duplicates++
      return
    }
    this.state.topicKeys.add(key)
    this.pending.push(record)
    if (this.pending.length >= BATCH_SIZE) await this.flush()
  }

  async flush (): Promise<void> {
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    count(this.sheet, await this.writer.writeTopics(batch))
  }

  async settle (): Promise<void> {}
}

/** The date cell as the source wrote it, kept in the interaction's raw fields (numbers are Excel serials). */
function sourceDate (cell: Cell): string | number {
  return typeof cell === 'number' ? cell : cellText(cell)
}

/** Interactions: identified by their content key (channel, customer, instant, the source's date text); missing customers are inferred. */
class InteractionsProcessor implements SheetProcessor<'interactions'> {
  readonly kind = 'interactions' as const
  private pending: KeyedInteraction[] = []
  private readonly writes = new WriteBehind()

  constructor (private readonly writer: ImportWriter, private readonly state: ImportState, private readonly sheet: SheetReport, private readonly report: ReportBuilder) {}

  async add (record: InteractionRecord, cells: Cell[], columns: Record<string, number>): Promise<void> {
    const channel = await this.writer.channel(record.channel)
    if (channel.created) this.report.newChannel(record.channel)
    const facts = {
      engagementId: channel.id,
      customerId: record.customerId,
      interactionDate: record.date,
      custom: { 'Date Start': sourceDate(cells[columns.date as number]), Interaction: record.channel, Customers: record.customerId }
    }
    const key = contentKey(facts)
    if (!this.state.interactionKeys.add(key)) {
      this.sheet.duplicates++
      return
    }
    this.pending.push({ ...facts, contentKey: key })
    if (this.pending.length >= BATCH_SIZE) await this.dispatch()
  }

  /** Starts writing the pending batch once the write before it has finished. */
  private async dispatch (): Promise<void> {
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    await this.writes.start(() => this.write(batch))
  }

  async flush (): Promise<void> {
    await this.dispatch()
    await this.writes.settled()
  }

  async settle (): Promise<void> {
    await this.writes.settled()
  }

  /** Customers the batch names that are not stored are inferred first, then the interactions are stored. */
  private async write (batch: KeyedInteraction[]): Promise<void> {
    const unknown = [...new Set(batch.map((input) => input.customerId as number))]
      .filter((customerId) => !this.state.customers.has(customerId) && !this.state.knownCustomers.has(customerId))
    const inferred = await this.writer.ensureCustomers(unknown)
    for (const customerId of unknown) this.state.knownCustomers.add(customerId)
    this.report.inferredCustomers(this.sheet, inferred)
    count(this.sheet, await this.writer.writeInteractions(batch))
  }
}

export function createProcessor (kind: SheetKind, writer: ImportWriter, state: ImportState, sheet: SheetReport, report: ReportBuilder): SheetProcessor<SheetKind> {
  if (kind === 'customers') return new CustomersProcessor(writer, state, sheet) as SheetProcessor<SheetKind>
  if (kind === 'topics') return new TopicsProcessor(writer, state, sheet) as SheetProcessor<SheetKind>
  return new InteractionsProcessor(writer, state, sheet, report) as SheetProcessor<SheetKind>
}
