import t from 'tap'
import { cellText, cleanChannel, cleanDateTime, cleanId, cleanMonth, cleanOptionalText, cleanRequiredText, excelSerialToDate } from '../../../src/domains/imports/cleaning.js'

const iso = (result: ReturnType<typeof cleanDateTime>) => result.ok ? result.value.toISOString() : result.reason

t.test('cells are trimmed and inner whitespace collapsed', async (t) => {
  t.equal(cellText('  Santa   Claus \t'), 'Santa Claus')
  t.equal(cellText(null), '')
  t.equal(cellText(undefined), '')
  t.equal(cellText(12), '12')
  t.equal(cellText(new Date('2020-01-02T03:04:05Z')), '2020-01-02T03:04:05.000Z')
  t.same(cleanOptionalText('   ', 10), { ok: true, value: undefined })
  t.same(cleanOptionalText(' Jedi ', 10), { ok: true, value: 'Jedi' })
  t.same(cleanOptionalText('x'.repeat(11), 10), { ok: false, reason: 'longer than 10 characters' })
  t.same(cleanRequiredText(' ', 10), { ok: false, reason: 'is empty' })
})

t.test('ids written "1", "1.0", " 1 " or as a number are accepted', async (t) => {
  for (const cell of ['1', '1.0', ' 1 ', 1, 1.0, '+1', '1.00']) t.same(cleanId(cell), { ok: true, value: 1 }, String(cell))
  t.same(cleanId('0012'), { ok: true, value: 12 })
})

t.test('any other id is rejected with its reason', async (t) => {
  t.same(cleanId(''), { ok: false, reason: 'is empty' })
  t.same(cleanId(null), { ok: false, reason: 'is empty' })
  t.same(cleanId('abc'), { ok: false, reason: '"abc" is not a whole number' })
  t.same(cleanId('1.5'), { ok: false, reason: '"1.5" is not a whole number' })
  t.same(cleanId(1.5), { ok: false, reason: '"1.5" is not a whole number' })
  t.same(cleanId('-3'), { ok: false, reason: '"-3" is not a whole number' })
  t.same(cleanId('1e3'), { ok: false, reason: '"1e3" is not a whole number' })
  t.same(cleanId('0'), { ok: false, reason: '0 is not between 1 and 2147483647' })
  t.same(cleanId('2147483648'), { ok: false, reason: '2147483648 is not between 1 and 2147483647' })
})

t.test('channel names are normalised to the known spelling', async (t) => {
  for (const cell of ['email', ' EMAIL ', 'Email', 'eMail']) t.same(cleanChannel(cell), { ok: true, value: 'Email' }, String(cell))
  t.same(cleanChannel('sms'), { ok: true, value: 'SMS' })
  t.same(cleanChannel('  CALL'), { ok: true, value: 'Call' })
  t.same(cleanChannel('bird'), { ok: true, value: 'Bird' })
})

t.test('the client\'s own channel spelling wins over the built-in list', async (t) => {
  t.same(cleanChannel('e-mail', ['E-mail']), { ok: true, value: 'E-mail' })
  t.same(cleanChannel('EMAIL', ['eMail']), { ok: true, value: 'eMail' })
})

t.test('a new channel is capitalised word by word, acronyms kept', async (t) => {
  t.same(cleanChannel('carrier   PIGEON'), { ok: true, value: 'Carrier Pigeon' })
  t.same(cleanChannel('IVR'), { ok: true, value: 'IVR' })
  t.same(cleanChannel('boat'), { ok: true, value: 'Boat' })
})

t.test('an empty or over-long channel is rejected', async (t) => {
  t.same(cleanChannel(' '), { ok: false, reason: 'is empty' })
  t.same(cleanChannel('x'.repeat(51)), { ok: false, reason: 'longer than 50 characters' })
})

t.test('dates are day-first by default: 04/10/2019 09:00 is 4 October 2019 09:00 UTC', async (t) => {
  t.equal(iso(cleanDateTime('04/10/2019 09:00')), '2019-10-04T09:00:00.000Z')
  t.equal(iso(cleanDateTime('11/02/2020 16:10')), '2020-02-11T16:10:00.000Z')
  t.equal(iso(cleanDateTime('4/6/2021')), '2021-06-04T00:00:00.000Z')
  t.equal(iso(cleanDateTime('04-10-2019 09:00:30')), '2019-10-04T09:00:30.000Z')
  t.equal(iso(cleanDateTime('04.10.2019')), '2019-10-04T00:00:00.000Z')
})

t.test('month-first reads the same text as 10 April', async (t) => {
  t.equal(iso(cleanDateTime('04/10/2019 09:00', 'month-first')), '2019-04-10T09:00:00.000Z')
  t.equal(iso(cleanDateTime('12/31/2020', 'month-first')), '2020-12-31T00:00:00.000Z')
})

t.test('ISO 8601 dates are read as UTC unless they name a zone', async (t) => {
  t.equal(iso(cleanDateTime('2019-10-04')), '2019-10-04T00:00:00.000Z')
  t.equal(iso(cleanDateTime('2019-10-04T09:00')), '2019-10-04T09:00:00.000Z')
  t.equal(iso(cleanDateTime('2019-10-04 09:00:00')), '2019-10-04T09:00:00.000Z')
  t.equal(iso(cleanDateTime('2019-10-04T09:00:00.250Z')), '2019-10-04T09:00:00.250Z')
  t.equal(iso(cleanDateTime('2019-10-04T11:00:00+02:00')), '2019-10-04T09:00:00.000Z')
  t.equal(iso(cleanDateTime('2019-10-04T11:00:00+0200')), '2019-10-04T09:00:00.000Z')
})

t.test('Excel serial dates and real date cells are accepted', async (t) => {
  t.equal(iso(cleanDateTime(43742.375)), '2019-10-04T09:00:00.000Z')
  t.equal(iso(cleanDateTime('43742.375')), '2019-10-04T09:00:00.000Z')
  t.equal(iso(cleanDateTime(1)), '1900-01-01T00:00:00.000Z')
  t.equal(iso(cleanDateTime(59)), '1900-02-28T00:00:00.000Z')
  t.equal(iso(cleanDateTime(61)), '1900-03-01T00:00:00.000Z')
  t.equal(iso(cleanDateTime(60)), '60 is not an Excel date serial')
  t.equal(iso(cleanDateTime(new Date('2020-03-05T11:23:00Z'))), '2020-03-05T11:23:00.000Z')
  t.equal(excelSerialToDate(0), null)
  t.equal(excelSerialToDate(Number.NaN), null)
})

t.test('impossible or unreadable dates are rejected with their reason', async (t) => {
  t.equal(iso(cleanDateTime('')), 'is empty')
  t.equal(iso(cleanDateTime('yesterday')), '"yesterday" is not a date (expected DD/MM/YYYY [HH:MM], ISO 8601 or an Excel serial)')
  t.equal(iso(cleanDateTime('yesterday', 'month-first')), '"yesterday" is not a date (expected MM/DD/YYYY [HH:MM], ISO 8601 or an Excel serial)')
  t.equal(iso(cleanDateTime('31/02/2020')), '"31/02/2020" is not a valid day-first date')
  t.equal(iso(cleanDateTime('10/13/2020')), '"10/13/2020" is not a valid day-first date (it reads as month-first: import with --date-order month-first)')
  t.equal(iso(cleanDateTime('13/10/2020', 'month-first')), '"13/10/2020" is not a valid month-first date')
  t.equal(iso(cleanDateTime('04/10/2019 25:00')), '"04/10/2019 25:00" is not a valid day-first date')
  t.equal(iso(cleanDateTime('2019-02-30')), '"2019-02-30" is not a valid ISO 8601 date')
  t.equal(iso(cleanDateTime('2019-02-03T25:00')), '"2019-02-03T25:00" is not a valid ISO 8601 date')
  t.equal(iso(cleanDateTime(0)), '0 is not an Excel date serial')
  t.equal(iso(cleanDateTime('9999999')), '9999999 is not an Excel date serial')
  t.equal(iso(cleanDateTime(new Date(Number.NaN))), 'is not a valid date')
})

t.test('months are read as MM-YYYY into YYYY-MM', async (t) => {
  t.same(cleanMonth('01-2019'), { ok: true, value: '2019-01' })
  t.same(cleanMonth(' 1-2019 '), { ok: true, value: '2019-01' })
  t.same(cleanMonth('10/2021'), { ok: true, value: '2021-10' })
  t.same(cleanMonth('2021-10'), { ok: true, value: '2021-10' })
  t.same(cleanMonth(new Date('2019-02-01T00:00:00Z')), { ok: true, value: '2019-02' })
})

t.test('bad months are rejected with their reason', async (t) => {
  t.same(cleanMonth(''), { ok: false, reason: 'is empty' })
  t.same(cleanMonth('13-2019'), { ok: false, reason: '"13-2019" is not a month (expected MM-YYYY)' })
  t.same(cleanMonth('00-2019'), { ok: false, reason: '"00-2019" is not a month (expected MM-YYYY)' })
  t.same(cleanMonth('January'), { ok: false, reason: '"January" is not a month (expected MM-YYYY)' })
  t.same(cleanMonth(new Date(Number.NaN)), { ok: false, reason: 'is not a valid date' })
})
