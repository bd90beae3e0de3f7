import ExcelJS from 'exceljs'
import { fileURLToPath } from 'node:url'
import { spreadsheetCustomers, spreadsheetInteractions, spreadsheetProducts } from './interactions/spreadsheet.js'

/** The three tables of the interactions seed (001/003) as the seed prints them, from the demo data's own copy. */
export const seedWorkbookTables = {
  Customers: [['Customer_Id', 'Occupation', 'Type'], ...spreadsheetCustomers.map((row) => [row.customerId, row.occupation, row.type])],
  'External interactions': [['Date Start', 'Interaction', 'Customers'], ...spreadsheetInteractions.map((row) => [row.dateStart, row.interaction, row.customers])],
  'Products of discussion': [['Date', 'Product'], ...spreadsheetProducts.map((row) => [row.date, row.product])]
}

export const seedWorkbookPath = fileURLToPath(new URL('./seed-interactions.xlsx', import.meta.url))

/** Writes the seed's workbook: dates stay text as the business keeps them (day-first), ids are numbers. */
export async function writeSeedWorkbook (path = seedWorkbookPath): Promise<void> {
  const workbook = new ExcelJS.Workbook()
  workbook.creator = 'Switchboard mock_data/make-workbook.ts'
  workbook.created = new Date('2024-01-01T00:00:00Z')
  workbook.modified = workbook.created
  for (const [name, rows] of Object.entries(seedWorkbookTables)) {
    const sheet = workbook.addWorksheet(name)
    for (const row of rows) sheet.addRow(row)
    sheet.getRow(1).font = { bold: true }
    sheet.columns.forEach((column) => { column.width = 20 })
  }
  await workbook.xlsx.writeFile(path)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeSeedWorkbook()
  console.log(`wrote ${seedWorkbookPath}`)
}
