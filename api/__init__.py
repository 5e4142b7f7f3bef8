"""The application and its IO: settings, database, bus, auth, services, CLI."""
