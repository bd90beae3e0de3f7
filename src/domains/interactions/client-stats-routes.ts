import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerClientId } from '../../plugins/auth.js'
import { pageOf } from '../../lib/cursor.js'
import { errorResponses } from '../../schemas/common.js'
import { comparedPeriods, periodRange, type OpenPeriod } from './filters.js'
import { SummaryQuerySchema } from './stats-schemas.js'
import {
  ClientChannelsResponseSchema, CustomerRankingResponseSchema, RankingQuerySchema, TopicRankingResponseSchema,
  TypeCustomersResponseSchema, TypeRankingResponseSchema
} from './client-stats-schemas.js'
import { breakdown, byKey, customerLabel, cursors, reachCells, topicBreakdown, typeKeyString, typeLabel } from './client-summaries.js'

const manager = { auth: { role: 'manager' as const } }
const errors = errorResponses(400)
const filters = '`from`/`to` include whole local days in `tz` (default UTC); `compare=previous` adds the period of equal length just before ' +
  '(needs both). Ranked lists come in cursor pages of `limit` rows (1–100, default 20).'

/** Client-wide statistics for dashboards: every customer, channel, topic and customer type of the caller's client at once. */
const clientStatsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/stats/channels', {
    config: manager,
    schema: {
      tags: ['statistics'],
      summary: 'Interactions and customers reached per channel, for the whole client',
      description: `Every channel of the client, zero-filled, in channel creation order. ${filters}`,
      querystring: SummaryQuerySchema,
      response: { 200: ClientChannelsResponseSchema, ...errors }
    }
  }, async (request) => {
    const { tz, compare } = request.query
    const periods = comparedPeriods(request.query, compare)
    const clientId = callerClientId(request)
    const engagements = await app.engagementsRepository.listAll(clientId)
    const summarise = async (period: OpenPeriod) => {
      const reach = await app.clientStats.channelReach(clientId, periodRange(period, tz))
      const channels = reachCells(engagements, reach.channels)
      return { period, total: channels.reduce((sum, cell) => sum + cell.count, 0), customers: reach.customers, channels }
    }
    const [current, previous] = await Promise.all([summarise(periods.current), periods.previous ? summarise(periods.previous) : null])
    return { tz, current, previous }
  })

  app.get('/api/v1/stats/customers', {
    config: manager,
    schema: {
      tags: ['statistics'],
      summary: 'Customers ranked by their interactions, each with its channel mix',
      description: 'Most interactions first, ties by customerId. Only customers with an interaction in the period are ranked (inferred ' +
        `customers included); previous figures are those of the same customers. ${filters}`,
      querystring: RankingQuerySchema,
      response: { 200: CustomerRankingResponseSchema, ...errors }
    }
  }, async (request) => {
    const { tz, compare, limit, cursor } = request.query
    const periods = comparedPeriods(request.query, compare)
    const after = cursors.customer(cursor)
    const clientId = callerClientId(request)
    const [engagements, current] = await Promise.all([
      app.engagementsRepository.listAll(clientId),
      app.clientStats.customerRanking(clientId, periodRange(periods.current, tz), { page: { limit, after } })
    ])
    const ids = current.rows.slice(0, limit).map((row) => row.customerId)
    const [details, previous] = await Promise.all([
      app.clientStats.customerDetails(clientId, ids),
      periods.previous ? app.clientStats.customerRanking(clientId, periodRange(periods.previous, tz), { keys: ids }) : null
    ])
    const detailsOf = byKey(details, (doc) => doc.customerId)
    const previousOf = previous && byKey(previous.rows, (row) => row.customerId)
    return {
      tz,
      summary: {
        current: { period: periods.current, ...current.summary },
        previous: previous && periods.previous ? { period: periods.previous, ...previous.summary } : null
      },
      ...pageOf(current.rows, limit, (row) => ({
        customerId: row.customerId,
        ...customerLabel(detailsOf.get(row.customerId)),
        current: breakdown(engagements, row),
        previous: previousOf ? breakdown(engagements, previousOf.get(row.customerId)) : null
      }), (last) => ({ total: last.total, customerId: last.customerId }))
    }
  })

  app.get('/api/v1/stats/topics', {
    config: manager,
    schema: {
      tags: ['statistics'],
      summary: 'Topics of discussion ranked by their interactions, with their channel mix',
      description: 'An interaction counts once for each of its topics: its explicit topics, or else the products the calendar names for its ' +
        'month (`explicit` and `calendar` split each count). Every product of the calendar is ranked, at zero when nothing was about it; ' +
        `ties by topic name. ${filters}`,
      querystring: RankingQuerySchema,
      response: { 200: TopicRankingResponseSchema, ...errors }
    }
  }, async (request) => {
    const { tz, compare, limit, cursor } = request.query
    const periods = comparedPeriods(request.query, compare)
    const after = cursors.topic(cursor)
    const clientId = callerClientId(request)
    const [engagements, current] = await Promise.all([
      app.engagementsRepository.listAll(clientId),
      app.clientStats.topicRanking(clientId, periodRange(periods.current, tz), { page: { limit, after } })
    ])
    const topics = current.rows.slice(0, limit).map((row) => row.topic)
    const previous = periods.previous ? await app.clientStats.topicRanking(clientId, periodRange(periods.previous, tz), { keys: topics }) : null
    const previousOf = previous && byKey(previous.rows, (row) => row.topic)
    return {
      tz,
      summary: {
        current: { period: periods.current, ...current.summary },
        previous: previous && periods.previous ? { period: periods.previous, ...previous.summary } : null
      },
      ...pageOf(current.rows, limit, (row) => ({
        topic: row.topic,
        current: topicBreakdown(engagements, row),
        previous: previousOf ? topicBreakdown(engagements, previousOf.get(row.topic)) : null
      }), (last) => ({ total: last.total, topic: last.topic }))
    }
  })

  app.get('/api/v1/stats/customer-types', {
    config: manager,
    schema: {
      tags: ['statistics'],
      summary: 'Interactions per customer type, with their channel mix',
      description: 'Every type the client\'s customers have is ranked, at zero when none of its customers had an interaction; recorded ' +
        'customers without a type (`type` null) and inferred customers (`inferred` true) are categories of their own. Most interactions ' +
        `first, then named types alphabetically, then untyped, then inferred. ${filters}`,
      querystring: RankingQuerySchema,
      response: { 200: TypeRankingResponseSchema, ...errors }
    }
  }, async (request) => {
    const { tz, compare, limit, cursor } = request.query
    const periods = comparedPeriods(request.query, compare)
    const after = cursors.type(cursor)
    const clientId = callerClientId(request)
    const [engagements, current] = await Promise.all([
      app.engagementsRepository.listAll(clientId),
      app.clientStats.interactionsByType(clientId, periodRange(periods.current, tz), { page: { limit, after } })
    ])
    const keys = current.rows.slice(0, limit).map(({ category, type }) => ({ category, type }))
    const previous = periods.previous ? await app.clientStats.interactionsByType(clientId, periodRange(periods.previous, tz), { keys }) : null
    const previousOf = previous && byKey(previous.rows, typeKeyString)
    return {
      tz,
      summary: {
        current: { period: periods.current, ...current.summary },
        previous: previous && periods.previous ? { period: periods.previous, ...previous.summary } : null
      },
      ...pageOf(current.rows, limit, (row) => ({
        ...typeLabel(row),
        current: breakdown(engagements, row),
        previous: previousOf ? breakdown(engagements, previousOf.get(typeKeyString(row))) : null
      }), (last) => ({ total: last.total, category: last.category, type: last.type }))
    }
  })

  app.get('/api/v1/stats/customer-types/customers', {
    config: manager,
    schema: {
      tags: ['statistics'],
      summary: 'Customers per customer type, and how many of them were active in the period',
      description: '`customers` counts every customer of the type the client has (not dated); `active` those with at least one interaction ' +
        'in the period. Inferred customers and recorded ones without a type are categories of their own. Most customers first, then named ' +
        `types alphabetically, then untyped, then inferred. ${filters}`,
      querystring: RankingQuerySchema,
      response: { 200: TypeCustomersResponseSchema, ...errors }
    }
  }, async (request) => {
    const { tz, compare, limit, cursor } = request.query
    const periods = comparedPeriods(request.query, compare)
    const after = cursors.typeCustomers(cursor)
    const clientId = callerClientId(request)
    const counted = await app.clientStats.customersByType(clientId, { page: { limit, after } })
    const keys = counted.rows.slice(0, limit).map(({ category, type }) => ({ category, type }))
    const [current, previous] = await Promise.all([
      app.clientStats.activeByType(clientId, periodRange(periods.current, tz), keys),
      periods.previous ? app.clientStats.activeByType(clientId, periodRange(periods.previous, tz), keys) : null
    ])
    const currentOf = byKey(current.rows, typeKeyString)
    const previousOf = previous && byKey(previous.rows, typeKeyString)
    return {
      tz,
      summary: {
        ...counted.summary,
        current: { period: periods.current, ...current.summary },
        previous: previous && periods.previous ? { period: periods.previous, ...previous.summary } : null
      },
      ...pageOf(counted.rows, limit, (row) => ({
        ...typeLabel(row),
        customers: row.customers,
        current: { active: currentOf.get(typeKeyString(row))?.active ?? 0 },
        previous: previousOf ? { active: previousOf.get(typeKeyString(row))?.active ?? 0 } : null
      }), (last) => ({ customers: last.customers, category: last.category, type: last.type }))
    }
  })
}

export default clientStatsRoutes
