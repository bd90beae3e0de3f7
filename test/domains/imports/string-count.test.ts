import t from 'tap'
import { StringTagCounter } from '../../../src/domains/imports/string-count.js'

/** The count after the part is pushed in chunks of `size` characters. */
function countIn (part: string, size: number): number {
  const counter = new StringTagCounter()
  for (let at = 0; at < part.length; at += size) counter.push(part.slice(at, at + size))
  return counter.count
}

const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">'

t.test('every <si> element of a shared-strings part is counted, whatever the chunk boundaries', async (t) => {
  const part = `${head}<si><t>Nurse</t></si><si><t xml:space="preserve"> a </t></si><si><r><t>rich</t></r></si><si/></sst>`
  for (const size of [1, 2, 3, 5, 8, 13, part.length]) t.equal(countIn(part, size), 4, `chunks of ${size}`)
  t.equal(countIn(`${head}<si\n><t>x</t></si><si\tfoo="1"><t>y</t></si></sst>`, 4), 2, 'a tag with whitespace or attributes')
})

t.test('what only looks like a string is not counted', async (t) => {
  const part = `${head}<!-- <si><t>commented</t></si> --><![CDATA[<si>in cdata</si>]]><?pi <si> ?><sid/><sis>no</sis>` +
    '<si><t>&lt;si&gt; is text here</t></si></sst>'
  for (const size of [1, 4, 7, 9, 10, part.length]) t.equal(countIn(part, size), 1, `chunks of ${size}`)
})

t.test('a prefixed tag is left to the parser (it counts every string anyway)', async (t) => {
  t.equal(countIn('<x:sst><x:si><x:t>a</x:t></x:si></x:sst>', 3), 0)
})

t.test('a million and one strings in 64 KiB chunks are counted exactly', async (t) => {
  const part = `${head}${'<si><t>a</t></si>'.repeat(1_000_001)}</sst>`
  t.equal(countIn(part, 64 * 1024), 1_000_001)
})
