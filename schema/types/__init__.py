"""GraphQL types, kept apart from database rows and domain objects."""
