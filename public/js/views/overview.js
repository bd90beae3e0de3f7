import { getJson } from '../api.js'
import { drawChart } from '../charts.js'
import { figure, fillTable } from '../dom.js'
import { createView } from './view.js'

/** At most this many customer types are shown (one page of the API's ranking). */
const maxTypes = 100

/** How the page names a customer type: its name, or the category of the customers who have none. */
export function typeName ({ type, inferred }) {
  if (inferred) return 'Inferred customers'
  return type ?? 'No type'
}

const typeKey = ({ type, inferred }) => `${inferred}:${type ?? ''}`

function periodText ({ from, to }, tz) {
  if (from && to) return `from ${from} to ${to} (${tz})`
  if (from) return `from ${from} (${tz})`
  if (to) return `up to ${to} (${tz})`
  return 'over all time'
}

function renderCustomers ({ table, canvas }, ranking) {
  const channels = ranking.data[0]?.current.channels.map((channel) => channel.name) ?? []
  fillTable(
    table,
    ranking.data.map((row) => [String(row.customerId), typeName(row), ...row.current.channels.map((channel) => figure(channel.count)), figure(row.current.total)]),
    ['Customer', 'Type', ...channels, 'Total']
  )
  drawChart(canvas, {
    type: 'bar',
    horizontal: true,
    stacked: true,
    labels: ranking.data.map((row) => `Customer ${row.customerId}`),
    datasets: channels.map((name, index) => ({ label: name, data: ranking.data.map((row) => row.current.channels[index].count) })),
    yTitle: 'Interactions'
  })
}

function renderTypes ({ table, canvas }, interactions, customers) {
  const customersOf = new Map(customers.data.map((row) => [typeKey(row), row]))
  const rows = interactions.data.map((row) => ({ name: typeName(row), interactions: row.current.total, counted: customersOf.get(typeKey(row)) }))
  fillTable(table, rows.map((row) => [row.name, figure(row.interactions), figure(row.counted?.customers), figure(row.counted?.current.active)]))
  drawChart(canvas, {
    type: 'bar',
    labels: rows.map((row) => row.name),
    datasets: [
      { label: 'Interactions', data: rows.map((row) => row.interactions) },
      { label: 'Customers', data: rows.map((row) => row.counted?.customers ?? null) }
    ]
  })
}

function renderTopics ({ table, canvas }, ranking) {
  table.caption.textContent = `Interactions per topic (an interaction about two topics counts in both; ${figure(ranking.summary.current.untagged)} about none)`
  fillTable(table, ranking.data.map((row) => [row.topic, figure(row.current.total), figure(row.current.explicit), figure(row.current.calendar)]))
  drawChart(canvas, {
    type: 'bar',
    stacked: true,
    labels: ranking.data.map((row) => row.topic),
    datasets: [
      { label: 'Explicit', data: ranking.data.map((row) => row.current.explicit) },
      { label: 'From the calendar', data: ranking.data.map((row) => row.current.calendar) }
    ],
    yTitle: 'Interactions'
  })
}

/**
 * The client-wide statistics (manager keys): the top customers with their channel mix (GET /api/v1/stats/customers),
 * interactions and customers per customer type (/api/v1/stats/customer-types and …/customer-types/customers) and
 * interactions per topic (/api/v1/stats/topics), for one period of local days.
 */
export function overviewView (section) {
  const panel = (name) => {
    const element = section.querySelector(`[data-panel="${name}"]`)
    return { table: element.querySelector('table'), canvas: element.querySelector('canvas') }
  }
  const panels = { customers: panel('customers'), types: panel('types'), topics: panel('topics') }

  return createView(section, {
    async request ({ from, to, tz, limit }) {
      const period = { from, to, tz }
      const [customers, types, typeCustomers, topics] = await Promise.all([
        getJson('/api/v1/stats/customers', { ...period, limit }),
        getJson('/api/v1/stats/customer-types', { ...period, limit: maxTypes }),
        getJson('/api/v1/stats/customer-types/customers', { ...period, limit: maxTypes }),
        getJson('/api/v1/stats/topics', { ...period, limit })
      ])
      return { customers, types, typeCustomers, topics }
    },

    render ({ customers, types, typeCustomers, topics }) {
      renderCustomers(panels.customers, customers)
      renderTypes(panels.types, types, typeCustomers)
      renderTopics(panels.topics, topics)
      const { period, interactions, customers: ranked, withoutCustomer } = customers.summary.current
      const when = periodText(period, customers.tz)
      if (interactions === 0) return `No interaction ${when}.`
      const unnamed = withoutCustomer ? ` (${figure(withoutCustomer)} without a customer)` : ''
      return `${figure(interactions)} interactions ${when}${unnamed}; the top ${figure(customers.data.length)} of ${figure(ranked)} customers who had one.`
    }
  })
}
