"""Storage: SQLAlchemy Core tables, engines, migrations and repositories."""
