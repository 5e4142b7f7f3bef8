"""GraphQL over WebSocket, subscriptions included: one bus subscription per topic per process
(the hub), subscribers grouped by operation, variables and access scope so a change is
executed and serialized once per group, and a bounded, coalescing outbox per connection.

It is the GraphQL side of the application: it uses the services, the bus and the bus codec
from api/, and api/ knows of it only where the app is assembled (api/app.py)."""
