/** Pure cleaning rules for imported cells: each returns a clean value or the reason the cell is rejected. */
import { FIRST_YEAR, LAST_YEAR, SUPPORTED_RANGE, calendarDay, excelSerialInstant, parseLenientIso, supportedDate, utcInstant } from '../../lib/dates.js'

export type Cell = string | number | boolean | Date | null | undefined
export type Cleaned<T> = { ok: true, value: T } | { ok: false, reason: string }
export type DateOrder = 'day-first' | 'month-first'

const ok = <T>(value: T): Cleaned<T> => ({ ok: true, value })
const fail = (reason: string): Cleaned<never> => ({ ok: false, reason })

const MAX_ID = 2147483647

/** The cell as trimmed text with inner runs of whitespace collapsed; empty cells give ''. */
export function cellText (cell: Cell): string {
  if (cell === null || cell === undefined) return ''
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : cell.toISOString()
  return String(cell).replace(/\s+/g, ' ').trim()
}

/** Optional free text (occupation, type, product): trimmed, empty → undefined, too long → rejected. */
export function cleanOptionalText (cell: Cell, maxLength: number): Cleaned<string | undefined> {
  const text = cellText(cell)
  if (text === '') return ok(undefined)
  if (text.length > maxLength) return fail(`longer than ${maxLength} characters`)
  return ok(text)
}

export function cleanRequiredText (cell: Cell, maxLength: number): Cleaned<string> {
  const text = cleanOptionalText(cell, maxLength)
  if (!text.ok) return text
  return text.value === undefined ? fail('is empty') : ok(text.value)
}

/** A positive integer id written as 1, "1", "1.0" or " 1 "; anything else is rejected. */
export function cleanId (cell: Cell): Cleaned<number> {
  const text = cellText(cell)
  if (text === '') return fail('is empty')
  const match = /^\+?(\d+)(?:\.0*)?$/.exec(text)
  if (!match) return fail(`"${text}" is not a whole number`)
  const id = Number(match[1])
  if (id < 1 || id > MAX_ID) return fail(`${id} is not between 1 and ${MAX_ID}`)
  return ok(id)
}

/** Channels whose spelling is not simply "capitalised": matched case-insensitively before any other rule. */
const canonicalChannels = ['Email', 'Call', 'Chat', 'SMS', 'Bird', 'Phone', 'Twitter', 'Facebook', 'WhatsApp', 'LinkedIn', 'Instagram', 'Post']

/** The client's channel names by their lower-case form, for a lookup that costs the same however many channels there are. */
export type ChannelNames = ReadonlyMap<string, string>

const canonicalByLowerCase: ChannelNames = new Map(canonicalChannels.map((name) => [name.toLowerCase(), name]))

/**
 * A channel name as the client's engagements spell it: `email`, ` EMAIL ` → `Email`.
 * Known names (the client's engagements, then the canonical list) are matched case-insensitively;
 * a new name is capitalised word by word, keeping all-capital words of up to three letters (acronyms such as IVR).
 */
export function cleanChannel (cell: Cell, knownChannels: Iterable<string> | ChannelNames = []): Cleaned<string> {
  const text = cellText(cell)
  if (text === '') return fail('is empty')
  if (text.length > 50) return fail('longer than 50 characters')
  const wanted = text.toLowerCase()
  const known = knownChannels instanceof Map ? knownChannels.get(wanted) : [...knownChannels as Iterable<string>].find((name) => name.toLowerCase() === wanted)
  const found = known ?? canonicalByLowerCase.get(wanted)
  return ok(found ?? text.split(' ').map(capitaliseWord).join(' '))
}

function capitaliseWord (word: string): string {
  if (word.length <= 3 && word === word.toUpperCase()) return word
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()
}

const dmyPattern = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/
const isoPattern = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/
const serialPattern = /^\d+(?:\.\d+)?$/
const outOfRange = `outside the supported dates (${SUPPORTED_RANGE})`

/** An Excel serial date (days since 1899-12-30; the fraction is the time of day), read as UTC and rounded to the second. */
export function excelSerialToDate (serial: number): Date | null {
  return excelSerialInstant(serial) ?? null
}

/**
 * A point in time from a date cell: real Date cells, Excel serial numbers, ISO 8601 (UTC unless it names a zone),
 * or `dd/mm/yyyy [hh:mm[:ss]]` (day-first by default, `mm/dd/yyyy` with month-first), read as UTC. Every reading
 * goes through src/lib/dates.ts: a year is taken as written, and a date outside the supported range is rejected.
 */
export function cleanDateTime (cell: Cell, order: DateOrder = 'day-first'): Cleaned<Date> {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? fail('is not a valid date') : toCleaned(supportedDate(cell) ?? null, `${cell.toISOString()} is ${outOfRange}`)
  if (typeof cell === 'number') return toCleaned(excelSerialToDate(cell), `${cell} is not an Excel date serial`)
  const text = cellText(cell)
  if (text === '') return fail('is empty')
  if (serialPattern.test(text)) return toCleaned(excelSerialToDate(Number(text)), `${text} is not an Excel date serial`)
  if (isoPattern.test(text)) return toCleaned(parseLenientIso(text) ?? null, `"${text}" is not a valid ISO 8601 date ${yearNote(Number(text.slice(0, 4)))}`.trim())
  const match = dmyPattern.exec(text)
  if (!match) return fail(`"${text}" is not a date (expected ${order === 'day-first' ? 'DD/MM/YYYY' : 'MM/DD/YYYY'} [HH:MM], ISO 8601 or an Excel serial)`)
  const [first, second, year, hour, minute, secondOfMinute] = match.slice(1).map((part) => part === undefined ? 0 : Number(part)) as number[]
  const [day, month] = order === 'day-first' ? [first, second] : [second, first]
  const clock = { year: year as number, hour, minute, second: secondOfMinute }
  const date = utcInstant({ ...clock, month: month as number, day: day as number })
  if (date) return ok(date)
  const hint = order === 'day-first' && utcInstant({ ...clock, month: first as number, day: second as number }) ? ' (it reads as month-first: import with --date-order month-first)' : ''
  return fail(`"${text}" is not a valid ${order} date${hint || ` ${yearNote(year as number)}`.trimEnd()}`)
}

/** Why a year is refused, when the year is what is wrong. */
function yearNote (year: number): string {
  return year < FIRST_YEAR || year > LAST_YEAR ? `(year ${year} is ${outOfRange})` : ''
}

function toCleaned (date: Date | null, reason: string): Cleaned<Date> {
  return date ? ok(date) : fail(reason)
}

/** A month written MM-YYYY (also M-YYYY, MM/YYYY, YYYY-MM, or a Date cell) → "YYYY-MM". */
export function cleanMonth (cell: Cell): Cleaned<string> {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return fail('is not a valid date')
    return supportedDate(cell) ? ok(cell.toISOString().slice(0, 7)) : fail(`${cell.toISOString()} is ${outOfRange}`)
  }
  const text = cellText(cell)
  if (text === '') return fail('is empty')
  const monthFirst = /^(\d{1,2})[-/.](\d{4})$/.exec(text)
  const yearFirst = /^(\d{4})-(\d{1,2})$/.exec(text)
  const [month, year] = monthFirst ? [monthFirst[1], monthFirst[2]] : yearFirst ? [yearFirst[2], yearFirst[1]] : []
  const monthNumber = Number(month)
  if (!year || !Number.isInteger(monthNumber) || monthNumber < 1 || monthNumber > 12) return fail(`"${text}" is not a month (expected MM-YYYY)`)
  if (calendarDay(Number(year), monthNumber, 1) === undefined) return fail(`"${text}" is ${outOfRange}`)
  return ok(`${year}-${String(monthNumber).padStart(2, '0')}`)
}
