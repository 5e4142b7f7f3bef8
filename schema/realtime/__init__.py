"""Live subscriptions over WebSocket: one bus subscription per topic per process (the hub),
subscribers grouped by operation, variables and access scope so a change is executed and
serialized once per group, and a bounded, coalescing outbox per connection."""
