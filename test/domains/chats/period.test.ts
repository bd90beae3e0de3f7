import t from 'tap'
import { isTimeZone, periodOfDays, startOfDay } from '../../../src/domains/chats/period.js'

const iso = (date: Date | undefined) => date?.toISOString()

t.test('a day begins at local midnight in its time zone', async (t) => {
  t.equal(iso(startOfDay('2020-09-29', 'UTC')), '2020-09-29T00:00:00.000Z')
  t.equal(iso(startOfDay('2020-09-29', 'Europe/Dublin')), '2020-09-28T23:00:00.000Z', 'Irish summer time is UTC+1')
  t.equal(iso(startOfDay('2020-01-15', 'Europe/Dublin')), '2020-01-15T00:00:00.000Z', 'Irish winter time is UTC')
  t.equal(iso(startOfDay('2020-09-29', 'Pacific/Kiritimati')), '2020-09-28T10:00:00.000Z', 'UTC+14')
  t.equal(iso(startOfDay('2020-09-29', 'America/St_Johns')), '2020-09-29T02:30:00.000Z', 'Newfoundland daylight time is UTC−2:30')
})

t.test('days around daylight-saving changes', async (t) => {
  t.equal(iso(startOfDay('2020-03-29', 'Europe/Dublin')), '2020-03-29T00:00:00.000Z', 'the clocks go forward at 01:00 that day')
  t.equal(iso(startOfDay('2020-03-30', 'Europe/Dublin')), '2020-03-29T23:00:00.000Z')
  t.equal(iso(startOfDay('2020-10-25', 'Europe/Dublin')), '2020-10-24T23:00:00.000Z', 'the clocks go back at 02:00 that day')
  t.equal(iso(startOfDay('2020-10-26', 'Europe/Dublin')), '2020-10-26T00:00:00.000Z')
  t.equal(iso(startOfDay('2018-11-04', 'America/Sao_Paulo')), '2018-11-04T03:00:00.000Z', 'midnight was skipped: the day began at 01:00 local')
})

t.test('a period of days runs from the start of the first to the start of the day after the last', async (t) => {
  const period = periodOfDays('2020-09-29', '2020-09-30', 'Europe/Dublin')
  t.equal(iso(period.from), '2020-09-28T23:00:00.000Z')
  t.equal(iso(period.to), '2020-09-30T23:00:00.000Z')
  t.same(periodOfDays(undefined, undefined, 'UTC'), { from: undefined, to: undefined })
  t.equal(iso(periodOfDays(undefined, '2020-12-31', 'UTC').to), '2021-01-01T00:00:00.000Z', 'across a year end')
})

t.test('only IANA time zones are time zones', async (t) => {
  t.ok(isTimeZone('Europe/Dublin'))
  t.ok(isTimeZone('UTC'))
  t.notOk(isTimeZone('Mars/Olympus_Mons'))
  t.notOk(isTimeZone('Europe/Dublin; drop'))
})
