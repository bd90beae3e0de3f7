import t from 'tap'
import { bucketLabels, bucketStart, daysIn, instantRange, isTimeZone, previousPeriod, startOfDay } from '../../../src/domains/interactions/periods.js'

t.test('time zones are IANA names the runtime knows', async (t) => {
  t.ok(isTimeZone('Europe/Dublin'))
  t.ok(isTimeZone('UTC'))
  t.notOk(isTimeZone('Mars/Olympus_Mons'))
})

t.test('a local day starts at local midnight, whatever the offset that day', async (t) => {
  t.equal(startOfDay('2024-03-31', 'Europe/Dublin').toISOString(), '2024-03-31T00:00:00.000Z')
  t.equal(startOfDay('2024-04-01', 'Europe/Dublin').toISOString(), '2024-03-31T23:00:00.000Z')
  t.equal(startOfDay('2024-10-27', 'Europe/Dublin').toISOString(), '2024-10-26T23:00:00.000Z')
  t.equal(startOfDay('2024-10-28', 'Europe/Dublin').toISOString(), '2024-10-28T00:00:00.000Z')
  t.equal(startOfDay('2024-03-10', 'America/Los_Angeles').toISOString(), '2024-03-10T08:00:00.000Z')
  t.equal(startOfDay('2024-03-11', 'America/Los_Angeles').toISOString(), '2024-03-11T07:00:00.000Z')
  t.equal(startOfDay('2024-01-01', 'Asia/Kolkata').toISOString(), '2023-12-31T18:30:00.000Z')
})

t.test('a range of whole days ends where the day after the last one starts', async (t) => {
  t.same(instantRange('2024-03-31', '2024-03-31', 'Europe/Dublin'), {
    start: new Date('2024-03-31T00:00:00.000Z'), end: new Date('2024-03-31T23:00:00.000Z')
  })
  t.same(instantRange(undefined, '2019-10-04'), { end: new Date('2019-10-05T00:00:00.000Z') })
  t.same(instantRange(undefined, undefined), {})
})

t.test('the previous period has the same number of days and ends the day before', async (t) => {
  t.equal(daysIn({ from: '2024-03-01', to: '2024-03-31' }), 31)
  t.same(previousPeriod({ from: '2024-03-01', to: '2024-03-31' }), { from: '2024-01-30', to: '2024-02-29' })
  t.same(previousPeriod({ from: '2024-03-31', to: '2024-03-31' }), { from: '2024-03-30', to: '2024-03-30' })
})

t.test('buckets start on the day, the Monday or the first of the month', async (t) => {
  t.equal(bucketStart('2024-03-31', 'week'), '2024-03-25')
  t.equal(bucketStart('2024-03-25', 'week'), '2024-03-25')
  t.equal(bucketStart('2024-03-31', 'month'), '2024-03-01')
  t.same(bucketLabels({ from: '2024-03-30', to: '2024-04-01' }, 'day'), ['2024-03-30', '2024-03-31', '2024-04-01'])
  t.same(bucketLabels({ from: '2024-03-30', to: '2024-04-08' }, 'week'), ['2024-03-25', '2024-04-01', '2024-04-08'])
  t.same(bucketLabels({ from: '2024-01-31', to: '2024-03-01' }, 'month'), ['2024-01-01', '2024-02-01', '2024-03-01'])
})
