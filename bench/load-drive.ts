import autocannon, { type Result } from 'autocannon'

/** One message a client wants stored exactly once, with the Idempotency-Key it sends on every attempt. */
export interface Item { index: number, key: string, body: string }

/** What the client saw for one message: the ids of every 201 (one, if idempotency holds), replays, every answer. */
export interface Outcome { acked: boolean, ids: Set<number>, replays: number, statuses: Record<string, number> }

/** Every message once, and every fifth again a little later with the same key: the client's retry. */
export function plan (run: string, count: number): { items: Item[], sends: Item[] } {
  const items = Array.from({ length: count }, (_, index) => ({
    index,
    key: `${run}-${index}`,
    body: JSON.stringify({ text: `load ${run} message ${index}` })
  }))
  const sends: Item[] = []
  for (const item of items) {
    sends.push(item)
    const retried = items[item.index - 50]
    if (retried && retried.index % 5 === 0) sends.push(retried)
  }
  for (const item of items.slice(-50)) if (item.index % 5 === 0) sends.push(item)
  return { items, sends }
}

export function newOutcomes (items: Item[]): Outcome[] {
  return items.map(() => ({ acked: false, ids: new Set<number>(), replays: 0, statuses: {} }))
}

function record (outcome: Outcome, status: number | string, body: string, replayed: boolean): void {
  outcome.statuses[status] = (outcome.statuses[status] ?? 0) + 1
  if (status !== 201) return
  outcome.ids.add((JSON.parse(body) as { id: number }).id)
  outcome.acked = true
  if (replayed) outcome.replays++
}

/** Sends the plan through autocannon: `connections` concurrent connections, one request each at a time. */
export function drive (url: string, agentKey: string, sends: Item[], outcomes: Outcome[], connections: number) {
  let next = 0
  const instance = autocannon({
    url,
    connections,
    amount: sends.length,
    timeout: 20,
    requests: [{
      method: 'POST',
      setupRequest: (request, context) => {
        const item = sends[next++ % sends.length] as Item
        context.item = item
        return { ...request, headers: { 'content-type': 'application/json', authorization: `Bearer ${agentKey}`, 'idempotency-key': item.key }, body: item.body }
      },
      onResponse: (status, body, context, headers) => {
        record(outcomes[(context.item as Item).index] as Outcome, status, body, headers['idempotent-replayed'] === 'true')
      }
    }]
  })
  return instance
}

/** The client's retry policy after the run: every message not yet acknowledged is sent again with its key until stored. */
export async function settle (url: string, agentKey: string, items: Item[], outcomes: Outcome[], deadlineMs = 120_000): Promise<number> {
  const pending = items.filter((item) => !(outcomes[item.index] as Outcome).acked)
  const started = Date.now()
  let retried = 0
  const worker = async () => {
    for (let item = pending.shift(); item; item = pending.shift()) {
      const outcome = outcomes[item.index] as Outcome
      while (!outcome.acked && Date.now() - started < deadlineMs) {
        retried++
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${agentKey}`, 'idempotency-key': item.key },
          body: item.body
        }).catch((error: Error) => error)
        if (res instanceof Error) record(outcome, 'error', '', false)
        else record(outcome, res.status, await res.text(), res.headers.get('idempotent-replayed') === 'true')
        if (!outcome.acked) await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
  }
  await Promise.all(Array.from({ length: 20 }, worker))
  return retried
}

export function summarise (result: Result) {
  return {
    requests: result.requests.total,
    throughput: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]))
  }
}
