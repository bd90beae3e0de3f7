import { Type } from '@sinclair/typebox'
import { ObjectIdString } from '../../schemas/common.js'

export const LastEventIdHeadersSchema = Type.Object({
  'last-event-id': Type.Optional(Type.String({
    ...ObjectIdString,
    description: 'Sent by EventSource when it reconnects: the id of the last event received. The stream first sends every message stored since, then live ones.'
  }))
})

/** Documents an event stream response: `id` is the message's ObjectId, `data` its JSON. */
export function EventStreamResponse (description: string) {
  return {
    description,
    content: { 'text/event-stream': { schema: Type.String({ examples: ['id: 6560a1f0c2b1a2b3c4d5e6f7\nevent: direct-message\ndata: {"id":"6560a1f0c2b1a2b3c4d5e6f7",...}\n\n'] }) } }
  }
}
