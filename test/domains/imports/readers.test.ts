import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { excelCell, formatOf, readSheets, sniffDelimiter } from '../../../src/domains/imports/readers.js'
import { KeySet } from '../../../src/domains/imports/key-set.js'
import { csvStream } from '../../../src/lib/csv.js'

t.test('formats are told by the file extension', async (t) => {
  t.same(['a.xlsx', 'B.XLSX', 'c.csv', 'd.txt', 'e.xls', 'f'].map(formatOf), ['xlsx', 'xlsx', 'csv', 'csv', undefined, undefined])
})

t.test('the CSV delimiter is the most frequent of comma, semicolon and tab on the first line, outside quotes', async (t) => {
  t.equal(sniffDelimiter('a,b,c\n1;2;3;4;5'), ',')
  t.equal(sniffDelimiter('Client Ref;Job;"Segment, a, b"\n'), ';')
  t.equal(sniffDelimiter('a\tb\tc'), '\t')
  t.equal(sniffDelimiter('single'), ',')
})

t.test('workbook cells become plain values', async (t) => {
  t.equal(excelCell({ richText: [{ text: 'Santa ' }, { text: 'Claus' }] }), 'Santa Claus')
  t.equal(excelCell({ formula: 'A1+1', result: 4 } as never), 4)
  t.equal(excelCell({ sharedFormula: 'A1', result: 'x' } as never), 'x')
  t.equal(excelCell({ text: 'Email', hyperlink: 'mailto:a@b' }), 'Email')
  t.equal(excelCell({ error: '#N/A' } as never), '#N/A')
  t.equal(excelCell(undefined), null)
  t.equal(excelCell(true), true)
})

t.test('a CSV with a broken quote yields an error row and reading goes on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-readers-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'bad.csv')
  await writeFile(path, '\uFEFFa;b\r\n1;2\r\n3;"x"y\r\n\r\n')
  const rows = []
  for await (const sheet of readSheets(path, 'csv', 'bad.csv')) {
    t.equal(sheet.name, 'bad.csv')
    for await (const row of sheet.rows) rows.push(row)
  }
  t.same(rows.slice(0, 2), [{ number: 1, cells: ['a', 'b'] }, { number: 2, cells: ['1', '2'] }])
  t.match(rows[2], { number: 3, error: /^Invalid Closing Quote/ })
})

t.test('the key set remembers 64-bit keys through growth', async (t) => {
  const keys = new KeySet(4)
  const hex = (n: number) => n.toString(16).padStart(16, '0') + '0'.repeat(48)
  let added = 0
  for (let n = 1; n <= 5000; n++) if (keys.add(hex(n * 7919))) added++
  t.same([added, keys.size], [5000, 5000])
  t.equal(keys.add(hex(7919 * 42)), false)
  t.equal(keys.add(hex(2)), true)
})

t.test('CSV fields are quoted when needed and never start a formula', async (t) => {
  let text = ''
  for await (const chunk of csvStream(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], [['plain', 'a,b', 'say "hi"', '=SUM(A1)', '+1+1', '@x', 3, '-1']])) text += String(chunk)
  t.equal(text, 'a,b,c,d,e,f,g,h\r\nplain,"a,b","say ""hi""",\'=SUM(A1),\'+1+1,\'@x,3,-1\r\n')
})
