"""Background export jobs (docs/exports.md)."""
