import type { Db } from 'mongodb'

export const name = '011-query-indexes'

/**
 * Indexes test/db/indexed-queries.test.ts showed missing: list filters whose matches a page had to be sought among all
 * of the client's documents (customers by inferred or not, users by role, chats by state and agent).
 */
export async function up (db: Db): Promise<void> {
  await db.collection('customers').createIndex({ clientId: 1, inferred: 1, customerId: 1 }, { name: 'clientId_inferred_customerId' })
  await db.collection('users').createIndex({ clientId: 1, role: 1, userId: 1 }, { name: 'clientId_role_userId' })
  await db.collection('chats').createIndex({ clientId: 1, state: 1, userId: 1, chatId: 1 }, { name: 'clientId_state_userId_chatId' })
}

export async function down (db: Db): Promise<void> {
  await db.collection('chats').dropIndex('clientId_state_userId_chatId')
  await db.collection('users').dropIndex('clientId_role_userId')
  await db.collection('customers').dropIndex('clientId_inferred_customerId')
}
