import { getJson } from '../api.js'
import { drawChart } from '../charts.js'
import { figure, fillTable } from '../dom.js'
import { createView } from './view.js'

/** Interaction volume per channel in day, week or month buckets of a time zone: GET /api/v1/stats/volume (manager keys). */
export function volumeView (section) {
  return createView(section, {
    request: ({ interval, tz, from, to }) => getJson('/api/v1/stats/volume', { interval, tz, from, to }),

    render ({ interval, tz, current }, { table, canvas }) {
      const label = (start) => (interval === 'month' ? start.slice(0, 7) : start)
      const channels = current.buckets[0]?.channels.map((channel) => channel.name) ?? []
      const series = channels.map((name, index) => ({
        label: name,
        data: current.buckets.map((bucket) => bucket.channels[index].count),
        tension: 0
      }))
      table.caption.textContent = `Interactions per ${interval} (${tz}), ${current.period.from} to ${current.period.to}`
      fillTable(
        table,
        current.buckets.map((bucket) => [label(bucket.start), ...bucket.channels.map((channel) => figure(channel.count)), figure(bucket.total)]),
        [interval[0].toUpperCase() + interval.slice(1), ...channels, 'Total']
      )
      drawChart(canvas, { type: 'line', labels: current.buckets.map((bucket) => label(bucket.start)), datasets: series, yTitle: 'Interactions' })
      return `${figure(current.total)} interactions from ${current.period.from} to ${current.period.to} (${tz}).`
    }
  })
}
