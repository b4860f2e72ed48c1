"""The risk write paths: loading engine input, evaluating, saving, notifying.

Entry points: `risk.services.evaluation.evaluate_account` / `evaluate_accounts`,
`risk.services.hedging.scan_hedging`, `risk.services.violations.acknowledge_violation` /
`dismiss_violation`.
"""
