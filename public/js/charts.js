/** Chart.js (served from this app's node_modules as a browser build) with the dashboard's defaults. */

const palette = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626']

export function colour (index) {
  return palette[index % palette.length]
}

/** Removes the chart drawn on the canvas, if any. */
export function clearChart (canvas) {
  window.Chart.getChart(canvas)?.destroy()
  canvas.setAttribute('aria-label', 'No chart: nothing to show')
}

/**
 * Draws a chart on the canvas, replacing the one drawn there before; the canvas's label says what it shows.
 * `stacked` piles the datasets up; `horizontal` lays bars along the x axis (the value title then names that axis).
 */
export function drawChart (canvas, { type, labels, datasets, yTitle, stacked = false, horizontal = false }) {
  clearChart(canvas)
  canvas.setAttribute('aria-label', describe(type, labels, datasets))
  const valueAxis = { beginAtZero: true, stacked, title: { display: Boolean(yTitle), text: yTitle }, ticks: { precision: 0 } }
  const categoryAxis = { stacked }
  return new window.Chart(canvas, {
    type,
    data: {
      labels,
      datasets: datasets.map((dataset, index) => ({ backgroundColor: colour(index), borderColor: colour(index), ...dataset }))
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: horizontal ? 'y' : 'x',
      plugins: { legend: { display: datasets.length > 1, position: 'bottom' } },
      scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
    }
  })
}

/** A short text equivalent of the chart for screen readers (the table below it has every figure). */
function describe (type, labels, datasets) {
  const kind = type === 'line' ? 'Line chart' : 'Bar chart'
  if (labels.length > 12) return `${kind} of ${datasets.map((dataset) => dataset.label).join(', ')} from ${labels[0]} to ${labels.at(-1)}`
  const series = datasets.map((dataset) => `${dataset.label}: ${labels.map((label, i) => `${label} ${dataset.data[i] ?? 'none'}`).join(', ')}`)
  return `${kind}. ${series.join('; ')}`
}
