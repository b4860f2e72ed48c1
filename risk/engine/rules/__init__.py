"""One evaluator per rule code of PRODUCT.md §2. Each reads the timeline and the day book of
one account (plus its RuleIn) and returns plain results; `risk.engine.evaluate` runs those the
account's rule set contains. Hedging is firm-wide: `risk.engine.rules.hedging.scan_hedging`."""
