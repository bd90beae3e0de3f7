import type { Seeder } from './types.js'
import { usersSeeder } from './users.js'
import { messengerSeeder } from './messenger.js'
import { interactionsSeeder } from './interactions.js'
import { chatsSeeder } from './chats.js'

/** Every domain's demo data, in loading order. */
export const seeders: Seeder[] = [
  usersSeeder,
  messengerSeeder,
  interactionsSeeder,
  chatsSeeder
]
