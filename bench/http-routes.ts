/**
 * The routes `npm run bench:http` drives (bench/http.ts), with their targets as ratios to the bare Fastify ceiling and
 * the database commands one request makes with a warm key cache, from which the bench computes each route's bound.
 * test/request-path/round-trips.test.ts checks that each makes exactly that many, so the bounds stay true.
 */
export interface Route { name: string, method: 'GET' | 'POST', path: string, key: string, body?: string, target: number, commands: number }

export const routes: Route[] = [
  { name: 'health', method: 'GET', path: '/health', key: '', target: 0.6, commands: 0 },
  { name: 'users', method: 'GET', path: '/users/1', key: 'sb_demo_acme_agent', target: 0.15, commands: 1 },
  { name: 'interactions', method: 'GET', path: '/api/v1/interactions/1', key: 'sb_demo_acme_agent', target: 0.15, commands: 1 },
  { name: 'performance', method: 'GET', path: '/users/performance', key: 'sb_demo_acme_manager', target: 0.05, commands: 1 },
  { name: 'messages', method: 'POST', path: '/api/v1/chats/2/messages', key: 'sb_demo_acme_agent', body: JSON.stringify({ text: 'Is my order on its way?' }), target: 0.05, commands: 7 }
]
