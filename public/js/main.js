import { apiKey, getAll, getJson, unauthorizedEvent } from './api.js'
import { describeError, fillDatalist } from './dom.js'
import { agentsView } from './views/agents.js'
import { channelsView } from './views/channels.js'
import { overviewView } from './views/overview.js'
import { volumeView } from './views/volume.js'

const byId = (id) => document.getElementById(id)
const keyPanel = byId('key-panel')
const keyStatus = byId('key-status')
const views = byId('views')
const session = byId('session')

const dashboard = [
  channelsView(byId('channels-view')),
  volumeView(byId('volume-view')),
  agentsView(byId('agents-view')),
  overviewView(byId('overview-view'))
]

function showKeyPanel (message = '') {
  views.hidden = true
  session.hidden = true
  keyPanel.hidden = false
  keyStatus.textContent = message
  keyStatus.className = message ? 'message error' : 'message'
  byId('api-key').focus()
}

function field (form, name) {
  return byId(form).querySelector(`[name="${name}"]`)
}

/** Default volume period: the two years up to the client's latest interaction (today when it has none). */
async function setVolumePeriod () {
  const { data } = await getJson('/api/v1/interactions', { limit: 1 }).catch(() => ({ data: [] }))
  const last = new Date(data[0]?.interactionDate ?? Date.now())
  const first = new Date(Date.UTC(last.getUTCFullYear() - 2, last.getUTCMonth() + 1, 1))
  field('volume-view', 'from').value ||= first.toISOString().slice(0, 10)
  field('volume-view', 'to').value ||= last.toISOString().slice(0, 10)
}

/** Suggestions for the customer and topic fields; the views work without them. */
async function fillSuggestions () {
  const [customers, topics] = await Promise.all([
    getAll('/api/v1/customers').catch(() => []),
    getAll('/api/v1/topics').catch(() => [])
  ])
  fillDatalist('customer-ids', customers.map((customer) => customer.customerId))
  fillDatalist('topic-names', [...new Set(topics.map((topic) => topic.product))].sort())
}

/** Checks the key with GET /clients (the key's own client), then loads every view. */
async function connect () {
  keyStatus.textContent = 'Checking the key…'
  keyStatus.className = 'message loading'
  try {
    const clients = await getJson('/clients')
    byId('client-name').textContent = clients.length === 1 ? `Connected to ${clients[0].name}` : 'Connected'
  } catch (error) {
    if (error.status !== 401) showKeyPanel(describeError(error))
    return
  }
  keyPanel.hidden = true
  views.hidden = false
  session.hidden = false
  await Promise.all([fillSuggestions(), setVolumePeriod()])
  await Promise.all(dashboard.map((view) => view.load()))
}

window.addEventListener(unauthorizedEvent, (event) => {
  apiKey.clear()
  showKeyPanel(`The API refused the key: ${event.detail.message}`)
})

byId('key-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const input = byId('api-key')
  apiKey.set(input.value.trim())
  input.value = ''
  connect()
})

byId('forget-key').addEventListener('click', () => {
  apiKey.clear()
  window.location.reload()
})

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone
fillDatalist('time-zones', [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])])
for (const form of ['volume-view', 'agents-view', 'overview-view']) field(form, 'tz').value = browserZone

if (apiKey.get()) connect()
else showKeyPanel()
