"""Directory import/export (CSV and XLSX): read a file, plan its changes, apply them. See docs/directory-import.md."""
