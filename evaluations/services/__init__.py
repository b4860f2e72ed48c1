"""Write paths of the evaluations app: programs and rule sets (`programs`), the account
lifecycle (`accounts`) and the demo firm (`demo`)."""
