/**
 * Collation as mongod 7.0 parses and applies it, computed with `Intl.Collator` (the ICU that
 * Node ships). A parsed collation offers what the query, sort and index code needs:
 *
 * - `compare(a, b)`: the BSON order of two values with strings (at any depth) collated;
 * - `canonicalizer()`: a function mapping each string to the first string it met that the
 *   collation holds equal, so `keyOf(canonicalValue(v, canon))` is a hash key under the
 *   collation (Intl exposes no sort keys); an index keeps one per index, a `$group` one per run.
 *
 * `{locale: "simple"}` parses to undefined: binary comparison, as with no collation.
 */
import { CommandError, badValue } from './errors.js'
import { formatValue } from './indexes.js'
import { LOCALES } from './locales.js'
import { bsonTypeName, compareBson, isPlainObject, toView, type Doc } from './values.js'

/** The ICU version mongod 7.0 reports in every collation spec. */
export const ICU_VERSION = '57.1'

export interface Collation {
  /** The spec with every field filled in, as listCollections and listIndexes show it. */
  readonly spec: Doc
  /** Equal for collations that compare alike. */
  readonly id: string
  compareStrings (a: string, b: string): number
  compare (a: unknown, b: unknown): number
  canonicalizer (): Canonicalizer
}

/** Maps a string to the first string it was given that compares equal; `peek` looks without remembering. */
export interface Canonicalizer {
  (s: string): string
  peek (s: string): string
}

const FIELDS = ['locale', 'caseLevel', 'caseFirst', 'strength', 'numericOrdering', 'alternate', 'maxVariable', 'normalization', 'backwards', 'version']

const BSON_NAMES: Record<string, string> = { missing: 'missing', object: 'object', array: 'array', bool: 'bool', string: 'string', int: 'int', long: 'long', double: 'double', decimal: 'decimal', null: 'null' }

const shown = (spec: Doc): string => formatValue(spec)

function wrongType (field: string, expected: string, value: unknown): CommandError {
  return new CommandError(14, 'TypeMismatch', `"${field}" had the wrong type. Expected ${expected}, found ${BSON_NAMES[bsonTypeName(value)] ?? bsonTypeName(value)}`)
}

function boolField (spec: Doc, field: string): boolean | undefined {
  const value = spec[field]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw wrongType(field, 'bool', value)
  return value
}

function stringField (spec: Doc, field: string, allowed: string[]): string | undefined {
  const value = spec[field]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw wrongType(field, 'string', value)
  if (!allowed.includes(value)) {
    const choices = allowed.length === 2 ? `'${allowed[0]}' or '${allowed[1]}'` : `'${allowed[0]}', '${allowed[1]}', or '${allowed[2]}'`
    throw new CommandError(9, 'FailedToParse', `Field '${field}' must be ${choices}. Got: ${value}`)
  }
  return value
}

function strengthField (spec: Doc): number | undefined {
  const value = toView(spec.strength)
  if (value === undefined) return undefined
  if (typeof value !== 'number') throw new CommandError(14, 'TypeMismatch', `Expected field "strength" to have numeric type, but found ${bsonTypeName(value)}`)
  if (!Number.isInteger(value)) throw badValue(`Expected field "strength" to have a value exactly representable as a 64-bit integer, but found strength: ${value}`)
  if (value < 1 || value > 5) throw new CommandError(9, 'FailedToParse', `Field 'strength' must be an integer 1 through 5. Got: ${value}`)
  return value
}

/** The BCP 47 tag Intl understands for an ICU locale id (`en_US_POSIX`, `de@collation=phonebook`). */
function bcp47 (locale: string): string {
  const [base, keywords] = locale.split('@')
  const parts = base.split('_')
  let tag = parts.filter((p) => p !== 'POSIX').join('-')
  const extensions: string[] = []
  if (parts.includes('POSIX')) extensions.push('va-posix')
  const variant = /^collation=(\w+)$/.exec(keywords ?? '')?.[1]
  if (variant !== undefined) extensions.push(`co-${COLLATION_TYPES[variant] ?? variant}`)
  if (extensions.length > 0) tag += `-u-${extensions.join('-')}`
  return tag
}

/** ICU's long collation type names and their BCP 47 `co` keys. */
const COLLATION_TYPES: Record<string, string> = {
  phonebook: 'phonebk',
  traditional: 'trad',
  dictionary: 'dict',
  gb2312han: 'gb2312',
  big5han: 'big5han',
  unihan: 'unihan',
  zhuyin: 'zhuyin',
  pinyin: 'pinyin',
  stroke: 'stroke',
  search: 'search',
  eor: 'eor',
  compat: 'compat',
  standard: 'standard'
}

function checkLocale (spec: Doc, locale: string): void {
  if (locale.includes('\0')) throw badValue(`Field 'locale' cannot contain null byte. Collation spec: ${shown(spec)}`)
  if (locale === '') throw badValue(`Field 'locale' cannot be the empty string in: ${shown(spec)}`)
  const [base, keywords] = locale.split('@')
  const variant = keywords === undefined ? undefined : /^collation=(\w+)$/.exec(keywords)?.[1]
  const known = LOCALES.has(base) && (keywords === undefined || (variant !== undefined && Object.hasOwn(COLLATION_TYPES, variant)))
  if (!known) throw badValue(`Field 'locale' is invalid in: ${shown(spec)}`)
}

/** Defaults a locale brings (Danish and Maltese sort upper case first, Thai shifts punctuation, Canadian French reads accents backwards). */
function localeDefaults (locale: string): { caseFirst: string; alternate: string; backwards: boolean } {
  const resolved = new Intl.Collator(bcp47(locale)).resolvedOptions()
  return {
    caseFirst: resolved.caseFirst === 'upper' || resolved.caseFirst === 'lower' ? resolved.caseFirst : 'off',
    alternate: resolved.ignorePunctuation ? 'shifted' : 'non-ignorable',
    backwards: locale.split('@')[0] === 'fr_CA'
  }
}

const built = new Map<string, Collation>()

/**
 * Parses a collation spec as mongod does (same codes and messages); undefined means the simple
 * (binary) collation. `command` names the command for a non-object spec (`find.collation`).
 */
export function parseCollation (raw: unknown, command: string): Collation | undefined {
  const rawId = isPlainObject(raw) ? JSON.stringify(raw) : undefined
  if (rawId !== undefined && parsed.has(rawId)) return parsed.get(rawId)
  const collation = parseSpec(raw, command)
  if (rawId !== undefined && parsed.size < MAX_CACHED) parsed.set(rawId, collation)
  return collation
}

/** Specs seen as given (bounded), so a command pays for parsing and Intl only once per distinct spec. */
const parsed = new Map<string, Collation | undefined>()
const MAX_CACHED = 1000

function parseSpec (raw: unknown, command: string): Collation | undefined {
  if (!isPlainObject(raw)) {
    throw new CommandError(14, 'TypeMismatch', `BSON field '${command}.collation' is the wrong type '${bsonTypeName(raw)}', expected type 'object'`)
  }
  const spec = raw
  if (spec.locale === undefined) throw new CommandError(4, 'NoSuchKey', 'Missing expected field "locale"')
  if (typeof spec.locale !== 'string') throw wrongType('locale', 'string', spec.locale)
  const locale = spec.locale
  if (locale === 'simple') {
    if (Object.keys(spec).length > 1) throw new CommandError(9, 'FailedToParse', `If locale=simple, no other fields should be present in: ${shown(spec)}`)
    return undefined
  }
  checkLocale(spec, locale)
  const defaults = localeDefaults(locale)
  const full: Doc = {
    locale,
    caseLevel: boolField(spec, 'caseLevel') ?? false,
    caseFirst: stringField(spec, 'caseFirst', ['upper', 'lower', 'off']) ?? defaults.caseFirst,
    strength: strengthField(spec) ?? 3,
    numericOrdering: boolField(spec, 'numericOrdering') ?? false,
    alternate: stringField(spec, 'alternate', ['non-ignorable', 'shifted']) ?? defaults.alternate,
    maxVariable: stringField(spec, 'maxVariable', ['punct', 'space']) ?? 'punct',
    normalization: boolField(spec, 'normalization') ?? false,
    backwards: boolField(spec, 'backwards') ?? defaults.backwards,
    version: ICU_VERSION
  }
  if (spec.version !== undefined) {
    if (typeof spec.version !== 'string') throw wrongType('version', 'string', spec.version)
    if (spec.version !== ICU_VERSION) {
      throw new CommandError(161, 'IncompatibleCollationVersion', `Requested collation version ${spec.version} but the only available collator version was ${ICU_VERSION}. Requested collation spec: ${shown(spec)}`)
    }
  }
  if (Object.keys(spec).some((k) => !FIELDS.includes(k))) throw new CommandError(9, 'FailedToParse', `Collation spec contains unknown field. Collation spec: ${shown(spec)}`)
  if (full.backwards === true && full.strength === 1) throw badValue(`'backwards' is invalid with 'strength' of 1 in: ${shown(full)}`)
  if (full.caseFirst !== 'off' && full.caseLevel !== true && (full.strength as number) <= 2) {
    throw badValue(`'caseFirst' is invalid unless 'caseLevel' is on or 'strength' is greater than 2 in: ${shown(full)}`)
  }
  const id = JSON.stringify(full)
  let collation = built.get(id)
  if (collation === undefined) {
    collation = build(full, id)
    if (built.size < MAX_CACHED) built.set(id, collation)
  }
  return collation
}

/** Parses a stored (already normalized) spec, such as an index's or a collection's. */
export const storedCollation = (spec: unknown): Collation | undefined => (spec === undefined ? undefined : parseCollation(spec, 'collation'))

const WHITE_SPACE = /[\s\u0085]/gu

function build (spec: Doc, id: string): Collation {
  const strength = spec.strength as number
  const caseLevel = spec.caseLevel === true
  const sensitivity = strength === 1 ? (caseLevel ? 'case' : 'base') : strength === 2 && !caseLevel ? 'accent' : 'variant'
  const shifted = spec.alternate === 'shifted'
  const options: Intl.CollatorOptions = {
    sensitivity,
    numeric: spec.numericOrdering === true,
    caseFirst: spec.caseFirst === 'off' ? 'false' : spec.caseFirst as 'upper' | 'lower',
    // ICU's "shifted" up to punctuation is Intl's ignorePunctuation; up to spaces only, spaces are removed first.
    ignorePunctuation: shifted && spec.maxVariable === 'punct'
  }
  const collator = new Intl.Collator(bcp47(spec.locale as string), options)
  const stripSpaces = shifted && spec.maxVariable === 'space' && strength <= 3
  const quaternary = shifted && strength >= 4 ? new Intl.Collator(bcp47(spec.locale as string), { ...options, ignorePunctuation: false }) : undefined
  const compareStrings = (a: string, b: string): number => {
    const c = stripSpaces ? collator.compare(a.replace(WHITE_SPACE, ''), b.replace(WHITE_SPACE, '')) : collator.compare(a, b)
    if (c !== 0 || strength < 4) return Math.sign(c)
    const q = quaternary?.compare(a, b) ?? 0
    if (q !== 0 || strength < 5) return Math.sign(q)
    const x = a.normalize('NFD')
    const y = b.normalize('NFD')
    return x < y ? -1 : x > y ? 1 : 0
  }
  return {
    spec,
    id,
    compareStrings,
    compare: (a, b) => compareBson(a, b, compareStrings),
    canonicalizer: () => canonicalizer(compareStrings)
  }
}

/** A canonicalizer over a sorted list of the distinct strings met so far: an exact equivalence key. */
function canonicalizer (compare: (a: string, b: string) => number): Canonicalizer {
  const seen: string[] = []
  const find = (s: string): number => {
    let lo = 0
    let hi = seen.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = compare(seen[mid], s)
      if (c === 0) return mid
      if (c < 0) lo = mid + 1
      else hi = mid
    }
    return -1 - lo
  }
  const intern = (s: string): string => {
    const at = find(s)
    if (at >= 0) return seen[at]
    seen.splice(-1 - at, 0, s)
    return s
  }
  return Object.assign(intern, {
    peek: (s: string): string => {
      const at = find(s)
      return at >= 0 ? seen[at] : s
    }
  })
}

/** `value` with every string (at any depth, field names excepted) replaced by its canonical string. */
export function canonicalValue (value: unknown, canon: (s: string) => string): unknown {
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) return value
  if (typeof value === 'string') return canon(value)
  if (Array.isArray(value)) return value.map((v) => canonicalValue(v, canon))
  if (isPlainObject(value)) {
    const out: Doc = {}
    for (const [k, v] of Object.entries(value)) out[k] = canonicalValue(v, canon)
    return out
  }
  return value
}

/** True when a value holds a string somewhere, so that a collation changes how it compares. */
export function holdsString (value: unknown): boolean {
  if (typeof value === 'string') return true
  if (Array.isArray(value)) return value.some(holdsString)
  if (isPlainObject(value)) return Object.values(value).some(holdsString)
  return false
}

let active: Collation | undefined
let activeCanon: Canonicalizer | undefined

/**
 * Runs `fn` with `collation` in effect. Commands run synchronously to completion, so the
 * collation of the running command is what the query operators, sorts and groups see.
 */
export function withCollation<T> (collation: Collation | undefined, fn: () => T): T {
  const previous = active
  const previousCanon = activeCanon
  active = collation
  activeCanon = undefined
  try {
    return fn()
  } finally {
    active = previous
    activeCanon = previousCanon
  }
}

/** A canonicalizer that lives as long as the running command, for hash keys under its collation. */
export function commandCanonicalizer (): Canonicalizer | undefined {
  if (active === undefined) return undefined
  activeCanon ??= active.canonicalizer()
  return activeCanon
}

/** The collation of the running command; undefined for simple (binary) comparison. */
export const activeCollation = (): Collation | undefined => active

/** The BSON comparison in effect: collated strings under the running command's collation. */
export const activeCompare = (a: unknown, b: unknown): number => (active === undefined ? compareBson(a, b) : active.compare(a, b))
