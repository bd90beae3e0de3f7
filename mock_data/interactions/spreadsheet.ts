/** The spreadsheet tables of the customer-interactions seed (001/003), exactly as the business exported them. */

export const spreadsheetCustomers = [
  { customerId: 1, occupation: 'Jedi', type: 'Red' },
  { customerId: 2, occupation: 'Batman', type: 'Orange' },
  { customerId: 3, occupation: 'Santa Claus', type: 'Blue' },
  { customerId: 11, occupation: 'Doctor', type: 'Orange' },
  { customerId: 12, occupation: 'Plummer', type: 'Red' }
]

/** "External interactions": Date Start is day-first (04/10/2019 = 4 October 2019), read as UTC. */
export const spreadsheetInteractions = [
  { dateStart: '04/10/2019 09:00', interaction: 'Email', customers: 1 },
  { dateStart: '11/02/2020 16:10', interaction: 'Call', customers: 4 },
  { dateStart: '05/03/2020 11:23', interaction: 'Bird', customers: 4 },
  { dateStart: '04/06/2021 13:01', interaction: 'Email', customers: 3 }
]

/** "Products of discussion": Date is month-first MM-YYYY. */
export const spreadsheetProducts = [
  { date: '01-2019', product: 'Sand' },
  { date: '02-2019', product: 'Sand' },
  { date: '10-2021', product: 'Orange' }
]

/** `DD/MM/YYYY HH:mm` → the UTC instant. */
export function parseDayFirst (value: string): Date {
  const match = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(value)
  if (!match) throw new Error(`Not a DD/MM/YYYY HH:mm date: ${value}`)
  const [, day, month, year, hour, minute] = match.map(Number) as number[]
  return new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!))
}

/** `MM-YYYY` → `YYYY-MM`. */
export function monthFirstToMonth (value: string): string {
  const [month, year] = value.split('-')
  return `${year}-${month}`
}
