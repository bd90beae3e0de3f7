import { getJson } from '../api.js'
import { colour, drawChart } from '../charts.js'
import { figure, fillTable } from '../dom.js'
import { createView } from './view.js'

/** Interactions per channel for one customer: GET /api/v1/interactions/{customer_id}. */
export function channelsView (section) {
  return createView(section, {
    request: ({ customer, start_date: startDate, end_date: endDate, topic }) =>
      getJson(`/api/v1/interactions/${encodeURIComponent(customer)}`, { start_date: startDate, end_date: endDate, topic }),

    render ({ data }, { table, canvas }) {
      const channels = Object.entries(data.interactions)
      table.caption.textContent = `Interactions per channel for customer ${data.customer_id}`
      fillTable(table, channels.map(([channel, count]) => [channel, figure(count)]))
      drawChart(canvas, {
        type: 'bar',
        labels: channels.map(([channel]) => channel),
        datasets: [{ label: `Customer ${data.customer_id}`, data: channels.map(([, count]) => count), backgroundColor: channels.map((_, index) => colour(index)) }],
        yTitle: 'Interactions'
      })
      return channels.length ? '' : 'This client has no channels yet.'
    }
  })
}
