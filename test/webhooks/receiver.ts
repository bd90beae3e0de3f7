import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received { headers: http.IncomingHttpHeaders, body: string, at: number }

/** What the receiver answers a request: a status, a body, or `hang` (never answer). */
export type Answer = { status: number, body?: string } | 'hang'

interface TestContext { teardown (fn: () => unknown): void }

/** A webhook receiver on 127.0.0.1 (port 0) that records every request and answers as `answer` says. */
export async function startReceiver (t: TestContext, answer: (request: Received, index: number) => Answer = () => ({ status: 200 })) {
  const received: Received[] = []
  const hanging = new Set<http.ServerResponse>()
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      const request = { headers: req.headers, body, at: Date.now() }
      received.push(request)
      const reply = answer(request, received.length - 1)
      if (reply === 'hang') {
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      }
      res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? 'ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const res of hanging) res.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const port = (server.address() as AddressInfo).port
  return { url: `http://127.0.0.1:${port}/hook`, port, received, server }
}

/** Waits for a condition, polling, failing after a generous bound. */
export async function eventually (condition: () => boolean | Promise<boolean>, what: string, boundMs = 20_000): Promise<void> {
  const deadline = Date.now() + boundMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${boundMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
