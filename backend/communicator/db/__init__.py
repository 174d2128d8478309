"""Database: typed models, engine and session plumbing, alembic migrations. See docs/db.md."""
