import { getJson } from '../api.js'
import { drawChart } from '../charts.js'
import { figure, fillTable } from '../dom.js'
import { createView } from './view.js'

/** Chats and handling times of every agent of the client: GET /users/performance (manager keys). */
export function agentsView (section) {
  return createView(section, {
    request: ({ start_date: startDate, end_date: endDate, tz }) => getJson('/users/performance', { start_date: startDate, end_date: endDate, tz }),

    render ({ data }, { table, canvas }) {
      fillTable(table, data.map((agent) => [
        agent.name,
        figure(agent.chats_handled),
        figure(agent.chats_completed),
        figure(agent.average_handling_time_s),
        figure(agent.median_handling_time_s),
        figure(agent.p90_handling_time_s),
        figure(agent.average_first_response_time_s),
        figure(agent.messages_sent)
      ]))
      drawChart(canvas, {
        type: 'bar',
        labels: data.map((agent) => agent.name),
        datasets: [
          { label: 'Mean', data: data.map((agent) => agent.average_handling_time_s) },
          { label: 'Median', data: data.map((agent) => agent.median_handling_time_s) },
          { label: 'p90', data: data.map((agent) => agent.p90_handling_time_s) }
        ],
        yTitle: 'Handling time (s)'
      })
      return data.length ? '' : 'This client has no users yet.'
    }
  })
}
