import { pipeline, Readable } from 'node:stream'
import { stringify, type Options } from 'csv-stringify'

/**
 * Every CSV Switchboard writes goes through here: RFC 4180 fields (csv-stringify) whose text a spreadsheet can never
 * run as a formula (OWASP, CSV Injection).
 *
 * The rule: a text cell that begins with = + - @ (or their full-width forms ＝ ＋ － ＠), possibly after spaces, or with a
 * tab, carriage return or line feed, is written with a leading apostrophe, which spreadsheets show as text and never
 * evaluate. A cell that is only a number (`-12`, `+3.5`, `-1e3`) is left alone: a spreadsheet reads it as that number,
 * there is nothing in it to run, and an apostrophe would turn every negative figure into text. Fields holding a quote,
 * comma, semicolon (the separator of many European spreadsheets), tab or line break are quoted, so no part of a cell
 * can open a new one.
 */

const FORMULA_LEAD = /^[\t\r\n]|^[\s\u00a0\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]/
const PLAIN_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

/** The text as a spreadsheet-safe cell: formula-leading text gets a leading apostrophe; plain numbers stay as they are. */
export function neutraliseFormula (text: string): string {
  return FORMULA_LEAD.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text
}

export type CsvValue = string | number | null

const options: Options = {
  record_delimiter: 'windows',
  quoted_match: /[;\t]/,
  cast: { string: (value: string) => neutraliseFormula(value) }
}

/** A CSV document streamed from rows of values (null: an empty cell), the header first; the rows are read as the consumer reads. */
export function csvStream (header: string[], rows: AsyncIterable<CsvValue[]> | Iterable<CsvValue[]>): Readable {
  const records = (async function * () {
    yield header
    for await (const row of rows) yield row.map((value) => value ?? '')
  })()
  const writer = stringify(options)
  return pipeline(Readable.from(records), writer, () => {})
}
