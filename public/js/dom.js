/** Small DOM helpers shared by the views. */

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })

/** A figure as the API gave it: a number, or "—" for null (no value). */
export function figure (value) {
  return value === null || value === undefined ? '—' : numberFormat.format(value)
}

/** Replaces a table body (and optionally its header row) with text cells; the first cell of a row is its header. */
export function fillTable (table, rows, headers) {
  if (headers) table.tHead.replaceChildren(tableRow(headers, 'th'))
  table.tBodies[0].replaceChildren(...rows.map((cells) => tableRow(cells, 'td')))
}

function tableRow (cells, tag) {
  const row = document.createElement('tr')
  cells.forEach((text, index) => {
    const cell = document.createElement(index === 0 || tag === 'th' ? 'th' : tag)
    cell.scope = tag === 'th' ? 'col' : 'row'
    cell.textContent = text
    row.append(cell)
  })
  return row
}

/** Shows the view's state: 'loading', 'error' or 'ready' (with an optional note). */
export function setState (section, state, text = '') {
  const message = section.querySelector('.message')
  section.setAttribute('aria-busy', String(state === 'loading'))
  section.dataset.state = state
  message.className = `message ${state}`
  message.textContent = state === 'loading' ? 'Loading…' : text
}

/** The form's fields as an object of trimmed strings. */
export function formValues (form) {
  return Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, String(value).trim()]))
}

/** Fills a datalist with options. */
export function fillDatalist (id, values) {
  const list = document.getElementById(id)
  list.replaceChildren(...values.map((value) => Object.assign(document.createElement('option'), { value: String(value) })))
}

/** The error line for a failed request, with the API's message. */
export function describeError (error) {
  if (error.status === 403) return `This key may not see this view: ${error.message}`
  if (error.status) return `${error.message} (HTTP ${error.status})`
  return error.message
}
