import ExcelJS from 'exceljs'
import { fileURLToPath } from 'node:url'

/** The three tables of the interactions seed (001/003), exactly as the seed prints them. */
export const seedWorkbookTables = {
  Customers: [
    ['Customer_Id', 'Occupation', 'Type'],
    [1, 'Jedi', 'Red'],
    [2, 'Batman', 'Orange'],
    [3, 'Santa Claus', 'Blue'],
    [11, 'Doctor', 'Orange'],
    [12, 'Plummer', 'Red']
  ],
  'External interactions': [
    ['Date Start', 'Interaction', 'Customers'],
    ['04/10/2019 09:00', 'Email', 1],
    ['11/02/2020 16:10', 'Call', 4],
    ['05/03/2020 11:23', 'Bird', 4],
    ['04/06/2021 13:01', 'Email', 3]
  ],
  'Products of discussion': [
    ['Date', 'Product'],
    ['01-2019', 'Sand'],
    ['02-2019', 'Sand'],
    ['10-2021', 'Orange']
  ]
} as const

export const seedWorkbookPath = fileURLToPath(new URL('./seed-interactions.xlsx', import.meta.url))

/** Writes the seed's workbook: dates stay text as the business keeps them (day-first), ids are numbers. */
export async function writeSeedWorkbook (path = seedWorkbookPath): Promise<void> {
  const workbook = new ExcelJS.Workbook()
  workbook.creator = 'Switchboard mock_data/make-workbook.ts'
  workbook.created = new Date('2024-01-01T00:00:00Z')
  workbook.modified = workbook.created
  for (const [name, rows] of Object.entries(seedWorkbookTables)) {
    const sheet = workbook.addWorksheet(name)
    for (const row of rows) sheet.addRow([...row])
    sheet.getRow(1).font = { bold: true }
    sheet.columns.forEach((column) => { column.width = 20 })
  }
  await workbook.xlsx.writeFile(path)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeSeedWorkbook()
  console.log(`wrote ${seedWorkbookPath}`)
}
