"""The unit of work, the dispatcher and its table of routes."""
