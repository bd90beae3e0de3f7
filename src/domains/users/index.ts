import fp from 'fastify-plugin'
import usersRepository from './repository.js'
import usersRoutes from './routes.js'

/** The users domain: its repository decorates the root app (chats and messenger use it), its routes stay encapsulated. */
export default fp(async function usersDomain (app) {
  await app.register(usersRepository)
  await app.register(usersRoutes)
}, { name: 'users-domain', dependencies: ['mongo', 'auth'] })
