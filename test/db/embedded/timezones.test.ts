import t from 'tap'
import { setup } from './helper.js'

interface Stamp { _id: number; at: Date }

t.test('time zones of date expressions', async (t) => {
  const { db } = await setup(t)
  const stamps = db.collection<Stamp>('stamps')
  await stamps.insertMany([
    { _id: 1, at: new Date('2024-03-31T00:30:00Z') },
    { _id: 2, at: new Date('2024-03-31T23:45:10.123Z') },
    { _id: 3, at: new Date('2024-07-01T23:45:10.123Z') }
  ])

  t.test('"UTC" in $dateTrunc and $dateToString inside $group', async (t) => {
    const rows = await stamps.aggregate([
      { $group: { _id: { $dateToString: { date: { $dateTrunc: { date: '$at', unit: 'day', timezone: 'UTC' } }, format: '%Y-%m-%d', timezone: 'UTC' } }, n: { $sum: 1 } } },
      { $sort: { _id: 1 } }
    ]).toArray()
    t.same(rows, [{ _id: '2024-03-31', n: 2 }, { _id: '2024-07-01', n: 1 }])
  })

  const local = async (timezone: string): Promise<Array<Record<string, unknown>>> => await stamps.aggregate([
    {
      $project: {
        _id: 0,
        hour: { $hour: { date: '$at', timezone } },
        day: { $dayOfMonth: { date: '$at', timezone } },
        text: { $dateToString: { date: '$at', format: '%Y-%m-%d %H:%M:%S.%L %z', timezone } },
        parts: { $dateToParts: { date: '$at', timezone } },
        midnight: { $dateTrunc: { date: '$at', unit: 'day', timezone } }
      }
    }
  ]).toArray()

  t.test('UTC aliases are valid zone names', async (t) => {
    const utc = await local('UTC')
    t.same(utc[0], {
      hour: 0,
      day: 31,
      text: '2024-03-31 00:30:00.000 +0000',
      parts: { year: 2024, month: 3, day: 31, hour: 0, minute: 30, second: 0, millisecond: 0 },
      midnight: new Date('2024-03-31T00:00:00Z')
    })
    t.same(await local('GMT'), utc)
    t.same(await local('Etc/UTC'), utc)
  })

  t.test('three-part and hyphenated Olson names', async (t) => {
    t.same(await local('America/Argentina/Buenos_Aires'), [
      { hour: 21, day: 30, text: '2024-03-30 21:30:00.000 -0300', parts: { year: 2024, month: 3, day: 30, hour: 21, minute: 30, second: 0, millisecond: 0 }, midnight: new Date('2024-03-30T03:00:00Z') },
      { hour: 20, day: 31, text: '2024-03-31 20:45:10.123 -0300', parts: { year: 2024, month: 3, day: 31, hour: 20, minute: 45, second: 10, millisecond: 123 }, midnight: new Date('2024-03-31T03:00:00Z') },
      { hour: 20, day: 1, text: '2024-07-01 20:45:10.123 -0300', parts: { year: 2024, month: 7, day: 1, hour: 20, minute: 45, second: 10, millisecond: 123 }, midnight: new Date('2024-07-01T03:00:00Z') }
    ])
    const haiti = await local('America/Port-au-Prince')
    t.same(haiti.map((r) => [r.hour, r.text, r.midnight]), [
      [20, '2024-03-30 20:30:00.000 -0400', new Date('2024-03-30T04:00:00Z')],
      [19, '2024-03-31 19:45:10.123 -0400', new Date('2024-03-31T04:00:00Z')],
      [19, '2024-07-01 19:45:10.123 -0400', new Date('2024-07-01T04:00:00Z')]
    ])
  })

  t.test('UTC offsets', async (t) => {
    t.same((await local('+01:00')).map((r) => [r.hour, r.day, r.text, r.midnight]), [
      [1, 31, '2024-03-31 01:30:00.000 +0100', new Date('2024-03-30T23:00:00Z')],
      [0, 1, '2024-04-01 00:45:10.123 +0100', new Date('2024-03-31T23:00:00Z')],
      [0, 2, '2024-07-02 00:45:10.123 +0100', new Date('2024-07-01T23:00:00Z')]
    ])
    t.same((await local('-0530')).map((r) => [r.hour, r.text]), [
      [19, '2024-03-30 19:00:00.000 -0530'],
      [18, '2024-03-31 18:15:10.123 -0530'],
      [18, '2024-07-01 18:15:10.123 -0530']
    ])
    t.same((await local('+05')).map((r) => r.hour), [5, 4, 4])
  })

  t.test('a zone whose offset changes (Europe/Dublin, 2024-03-31 01:00 UTC)', async (t) => {
    t.same((await local('Europe/Dublin')).map((r) => [r.hour, r.text, r.midnight]), [
      [0, '2024-03-31 00:30:00.000 +0000', new Date('2024-03-31T00:00:00Z')],
      [0, '2024-04-01 00:45:10.123 +0100', new Date('2024-03-31T23:00:00Z')],
      [0, '2024-07-02 00:45:10.123 +0100', new Date('2024-07-01T23:00:00Z')]
    ])
    const [row] = await stamps.aggregate([
      { $match: { _id: 1 } },
      {
        $project: {
          _id: 0,
          before: { $dateFromParts: { year: 2024, month: 3, day: 30, hour: 3, timezone: 'Europe/Dublin' } },
          after: { $dateFromParts: { year: 2024, month: 3, day: 31, hour: 3, timezone: 'Europe/Dublin' } },
          parsed: { $dateFromString: { dateString: '2024-07-01T12:00:00', timezone: 'Europe/Dublin' } },
          nextDay: { $dateAdd: { startDate: '$at', unit: 'day', amount: 1, timezone: 'Europe/Dublin' } },
          inHours: { $dateAdd: { startDate: '$at', unit: 'hour', amount: 24, timezone: 'Europe/Dublin' } }
        }
      }
    ]).toArray()
    t.same(row, {
      before: new Date('2024-03-30T03:00:00Z'),
      after: new Date('2024-03-31T02:00:00Z'),
      parsed: new Date('2024-07-01T11:00:00Z'),
      nextDay: new Date('2024-03-31T23:30:00Z'),
      inHours: new Date('2024-04-01T00:30:00Z')
    })
  })

  t.test('an unknown zone is mongod\'s error 40485', async (t) => {
    await t.rejects(stamps.aggregate([{ $project: { h: { $hour: { date: '$at', timezone: 'Mars/Olympus_Mons' } } } }]).toArray(), { code: 40485 })
    await t.rejects(stamps.aggregate([{ $project: { d: { $dateTrunc: { date: '$at', unit: 'day', timezone: 'Not a zone' } } } }]).toArray(), { code: 40485 })
  })
})
