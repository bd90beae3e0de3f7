import { ObjectId } from 'mongodb'

/** The engagement-store seed's example interaction (seed 002), with its exact ids. */
export const topboxExample = {
  id: new ObjectId('5f18d12f42262eec0d43567d'),
  engagement: { id: new ObjectId('5f18d12f42262eec0d435583'), name: 'Phone' },
  interactionDate: new Date(1589630400000),
  agentName: 'John Ford',
  sentiment: 'Negative',
  custom: { csvName: '2020_16_05_report.csv', agentFirstName: 'John', agentLastName: 'Ford' }
}

export const topboxChannels = ['SMS', 'Chat', 'Facebook', 'Phone', 'Twitter']

const agents = [['John', 'Ford'], ['Mary', 'Shelley'], ['Ada', 'Lovelace'], ['Alan', 'Turing'], ['Grace', 'Hopper']] as const
const sentiments = ['Positive', 'Neutral', 'Negative']
const products = ['Returns', 'Shoes', 'Delivery', 'Billing']
const occupations = ['Teacher', 'Nurse', 'Engineer', 'Chef', 'Pilot']
const customerTypes = ['Red', 'Orange', 'Blue']

export const topboxCustomers = Array.from({ length: 40 }, (_, index) => ({
  customerId: index + 1, occupation: occupations[index % occupations.length]!, type: customerTypes[index % customerTypes.length]!
}))

/** A small seeded pseudo-random generator (mulberry32): the same numbers on every run. */
function generator (seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface GeneratedInteraction {
  channel: string
  customerId: number
  interactionDate: Date
  agentName: string
  sentiment: string
  topics: string[]
  custom: Record<string, string>
}

/** `count` interactions between 1 April and 30 June 2020 (UTC), identical on every run. */
export function generateTopboxInteractions (count = 300): GeneratedInteraction[] {
  const random = generator(2020)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const start = Date.UTC(2020, 3, 1)
  const minutes = 91 * 24 * 60
  return Array.from({ length: count }, () => {
    const interactionDate = new Date(start + Math.floor(random() * minutes) * 60_000)
    const [first, last] = pick(agents)
    const day = String(interactionDate.getUTCDate()).padStart(2, '0')
    const month = String(interactionDate.getUTCMonth() + 1).padStart(2, '0')
    const topic = pick(products)
    return {
      channel: pick(topboxChannels),
      customerId: 1 + Math.floor(random() * topboxCustomers.length),
      interactionDate,
      agentName: `${first} ${last}`,
      sentiment: pick(sentiments),
      topics: random() < 0.2 ? [...new Set([topic, pick(products)])] : [topic],
      custom: { csvName: `2020_${day}_${month}_report.csv`, agentFirstName: first, agentLastName: last }
    }
  })
}
