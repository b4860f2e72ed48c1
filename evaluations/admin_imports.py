"""Admin for imports (ImportBatch) and the trade upload page — filled in by the ingestion work."""
