import fp from 'fastify-plugin'
import usersRepository, { type UserDocument } from './repository.js'
import usersRoutes from './routes.js'
import statusRoutes from './status-routes.js'
import { describeStatus } from './status.js'

/** The users domain: its repository decorates the root app (chats and messenger use it), its routes stay encapsulated. */
export default fp(async function usersDomain (app) {
  await app.register(usersRepository)
  app.events.registerSource('users', { collection: app.mongo.db.collection<UserDocument>('users'), describe: describeStatus })
  await app.register(usersRoutes)
  await app.register(statusRoutes)
}, { name: 'users-domain', dependencies: ['mongo', 'auth', 'events-domain'] })
