"""Live risk's pure evaluator: no Django, no Redis (import-linter contract). See
`live.engine.evaluator` for the entry points and `live.engine.types` for the data."""
