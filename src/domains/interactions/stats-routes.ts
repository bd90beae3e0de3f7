import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ObjectId } from 'mongodb'
import { callerClientId } from '../../plugins/auth.js'
import { errorResponses } from '../../schemas/common.js'
import { comparedPeriods, periodRange, type OpenPeriod } from './filters.js'
import { bucketCount, type Period } from './periods.js'
import { MAX_BUCKETS, MAX_CELLS, TooManyBuckets, checkCells } from './stats-limits.js'
import { channelCounts, channelTopicMatrix, sentimentBreakdown, volumeBuckets } from './summaries.js'
import {
  CustomerChannelTopicsResponseSchema, CustomerChannelsQuerySchema, CustomerChannelsResponseSchema, CustomerStatsParamsSchema,
  SentimentQuerySchema, SentimentResponseSchema, SummaryQuerySchema, VolumeQuerySchema, VolumeResponseSchema
} from './stats-schemas.js'


/** Both periods answered by the same summary: the requested one and, with compare=previous, the one before it. */
async function compared<T> (periods: { current: OpenPeriod, previous: OpenPeriod | null }, summarise: (period: OpenPeriod) => Promise<T>) {
  const [current, previous] = await Promise.all([summarise(periods.current), periods.previous ? summarise(periods.previous) : null])
  return { current, previous }
}

/** A volume period always has both ends (the schema requires from and to). */
function closed (period: OpenPeriod): Period {
  return { from: period.from as string, to: period.to as string }
}

const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  async function knownCustomer (request: FastifyRequest, customerId: number): Promise<ObjectId> {
    const clientId = callerClientId(request)
    if (!await app.customersRepository.findByCustomerId(clientId, customerId)) throw app.httpErrors.notFound(`Customer ${customerId} not found`)
    return clientId
  }

  app.get('/api/v1/stats/customers/:customerId/channels', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['statistics'],
      summary: 'How many times a customer reached the client on each channel, optionally about one topic',
      description: 'Every channel of the client, zero-filled, in channel creation order. `from`/`to` include whole days in `tz`.',
      params: CustomerStatsParamsSchema,
      querystring: CustomerChannelsQuerySchema,
      response: { 200: CustomerChannelsResponseSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const { customerId } = request.params
    const { tz, topic, compare } = request.query
    const periods = comparedPeriods(request.query, compare)
    const clientId = await knownCustomer(request, customerId)
    const result = await compared(periods, async (period) => {
      const channels = await channelCounts(app, clientId, { customerId, ...periodRange(period, tz), ...(topic ? { topic } : {}) })
      return { period, total: channels.reduce((sum, cell) => sum + cell.count, 0), channels }
    })
    return { customerId, tz, topic: topic ?? null, ...result }
  })

  app.get('/api/v1/stats/customers/:customerId/channel-topics', {
    config: { auth: { role: 'agent' } },
    schema: {
      tags: ['statistics'],
      summary: 'A customer\'s interactions as a channel × topic matrix',
      description: 'An interaction about two topics counts in both columns; one about none counts as `untagged`. ' +
        `At most ${MAX_CELLS} cells (topics × channels): beyond, a 400 TOO_MANY_CELLS.`,
      params: CustomerStatsParamsSchema,
      querystring: SummaryQuerySchema,
      response: { 200: CustomerChannelTopicsResponseSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const { customerId } = request.params
    const { tz, compare } = request.query
    const periods = comparedPeriods(request.query, compare)
    const clientId = await knownCustomer(request, customerId)
    const result = await compared(periods, async (period) => ({
      period, ...await channelTopicMatrix(app, clientId, { customerId, ...periodRange(period, tz) })
    }))
    return { customerId, tz, ...result }
  })

  app.get('/api/v1/stats/volume', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['statistics'],
      summary: 'Interaction volume per channel over time, in day, week or month buckets of a time zone',
      description: 'Buckets are local calendar days, Monday-started weeks or months in `tz` (correct across DST changes), labelled ' +
        'with the local date they start; every bucket overlapping from..to is listed, with every channel. ' +
        `Counted by arithmetic before any work: more than ${MAX_BUCKETS} buckets in a period is a 400 TOO_MANY_BUCKETS, more than ` +
        `${MAX_CELLS} cells (buckets × channels) a 400 TOO_MANY_CELLS.`,
      querystring: VolumeQuerySchema,
      response: { 200: VolumeResponseSchema, ...errorResponses(400) }
    }
  }, async (request) => {
    const { tz, interval, compare, engagementId, customerId } = request.query
    const periods = comparedPeriods(request.query, compare)
    // Sizes first, by arithmetic: nothing is listed or read for a period that will be refused.
    const buckets = Math.max(...[periods.current, periods.previous].map((period) => (period ? bucketCount(closed(period), interval) : 0)))
    if (buckets > MAX_BUCKETS) throw new TooManyBuckets(buckets)
    const clientId = callerClientId(request)
    const engagements = await app.engagementsRepository.listAll(clientId)
    checkCells(buckets, 'buckets', engagements.length, 'use a larger interval or a shorter period')
    const result = await compared(periods, async (period) => {
      const filter = { ...periodRange(period, tz), ...(engagementId ? { engagementId: new ObjectId(engagementId) } : {}), ...(customerId ? { customerId } : {}) }
      const buckets = await volumeBuckets(app, clientId, engagements, filter, closed(period), interval, tz)
      return { period, total: buckets.reduce((sum, bucket) => sum + bucket.total, 0), buckets }
    })
    return { interval, tz, ...result }
  })

  app.get('/api/v1/stats/sentiment', {
    config: { auth: { role: 'manager' } },
    schema: {
      tags: ['statistics'],
      summary: 'Sentiment breakdown per channel',
      description: 'Every channel of the client; the sentiment columns are those found in the period, alphabetically, then null (no sentiment recorded). ' +
        `At most ${MAX_CELLS} cells (sentiments × channels): beyond, a 400 TOO_MANY_CELLS.`,
      querystring: SentimentQuerySchema,
      response: { 200: SentimentResponseSchema, ...errorResponses(400) }
    }
  }, async (request) => {
    const { tz, compare, customerId } = request.query
    const periods = comparedPeriods(request.query, compare)
    const clientId = callerClientId(request)
    const result = await compared(periods, async (period) => ({
      period, channels: await sentimentBreakdown(app, clientId, { ...periodRange(period, tz), ...(customerId ? { customerId } : {}) })
    }))
    return { tz, ...result }
  })
}

export default statsRoutes
