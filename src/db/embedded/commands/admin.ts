import { hostname } from 'node:os'
import { UUID } from 'bson'
import { activityOf, endSessions, touchSession } from '../activity.js'
import { CommandError } from '../errors.js'
import type { Doc } from '../values.js'
import type { CommandContext, Handler } from './context.js'

export const SERVER_VERSION = '7.0.14'
const startedAt = new Date()

export const LIMITS = {
  maxBsonObjectSize: 16777216,
  maxMessageSizeBytes: 48000000,
  maxWriteBatchSize: 100000
}

function hello (legacy: boolean): Handler {
  return (_body: Doc, ctx: CommandContext) => ({
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    ...LIMITS,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1
  })
}

const buildInfo: Handler = () => ({
  version: SERVER_VERSION,
  gitVersion: 'embedded',
  modules: [],
  allocator: 'system',
  javascriptEngine: 'none',
  sysInfo: 'deprecated',
  versionArray: SERVER_VERSION.split('.').map(Number).concat(0),
  bits: 64,
  debug: false,
  maxBsonObjectSize: LIMITS.maxBsonObjectSize,
  storageEngines: ['embedded'],
  ok: 1
})

const transactionsRefused: Handler = () => {
  throw new CommandError(20, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos')
}

export const adminCommands: Record<string, Handler> = {
  hello: hello(false),
  isMaster: hello(true),
  ismaster: hello(true),
  ping: () => ({ ok: 1 }),
  buildInfo,
  buildinfo: buildInfo,
  hostInfo: () => ({
    system: { currentTime: new Date(), hostname: hostname(), cpuAddrSize: 64, numCores: 1, cpuArch: process.arch },
    os: { type: process.platform, name: process.platform },
    extra: {},
    ok: 1
  }),
  getParameter: (body) => {
    const params: Doc = { featureCompatibilityVersion: { version: '7.0' }, authenticationMechanisms: [] }
    if (body.getParameter === '*') return { ...params, ok: 1 }
    const out: Doc = {}
    for (const key of Object.keys(body)) if (key in params) out[key] = params[key]
    return { ...out, ok: 1 }
  },
  getCmdLineOpts: () => ({ argv: ['mongod'], parsed: {}, ok: 1 }),
  serverStatus: (_body, ctx) => ({
    host: hostname(),
    version: SERVER_VERSION,
    process: 'mongod',
    pid: process.pid,
    uptime: Math.floor((Date.now() - startedAt.getTime()) / 1000),
    localTime: new Date(),
    connections: { current: 1, available: 1000 },
    metrics: { cursor: { open: { total: ctx.cursors.size } } },
    ok: 1
  }),
  whatsmyuri: () => ({ you: '127.0.0.1', ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
  startSession: (_body, ctx) => {
    const id = { id: new UUID() }
    touchSession(ctx.store, id)
    return { id, timeoutMinutes: 30, ok: 1 }
  },
  endSessions: (body, ctx) => {
    endSessions(ctx.store, body.endSessions)
    return { ok: 1 }
  },
  killSessions: (body, ctx) => {
    endSessions(ctx.store, body.killSessions)
    return { ok: 1 }
  },
  killAllSessions: (_body, ctx) => {
    activityOf(ctx.store).sessions.clear()
    return { ok: 1 }
  },
  refreshSessions: () => ({ ok: 1 }),
  commitTransaction: transactionsRefused,
  abortTransaction: transactionsRefused
}

