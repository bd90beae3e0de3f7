import { clearChart } from '../charts.js'
import { describeError, fillTable, formValues, setState } from '../dom.js'

/**
 * A dashboard view: its form's values go to `request` (which calls the API), and the answer to `render`
 * (which fills the table and chart and may return a note). Shows loading and error states (an error empties
 * every table and chart of the section); an answer that arrives after a newer request was made is dropped.
 */
export function createView (section, { request, render }) {
  const form = section.querySelector('form')
  const parts = { table: section.querySelector('table'), canvas: section.querySelector('canvas') }
  let latest = 0

  async function load () {
    const ticket = ++latest
    setState(section, 'loading')
    try {
      const answer = await request(formValues(form))
      if (ticket === latest) setState(section, 'ready', render(answer, parts) ?? '')
    } catch (error) {
      if (ticket !== latest) return
      for (const table of section.querySelectorAll('table')) fillTable(table, [])
      for (const canvas of section.querySelectorAll('canvas')) clearChart(canvas)
      setState(section, 'error', describeError(error))
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    load()
  })
  return { load }
}
