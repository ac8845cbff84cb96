"""The archive: SQLite storage with revisions, Vietnamese full-text search, the researchers command line."""
