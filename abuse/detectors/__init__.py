"""Abuse detectors: pure functions over numpy columns of trades (or plain
`TradeFact` tuples, converted), no Django, no I/O.

Each returns `Finding`s (detectors/types.py) with the evidence a reviewer reads. The services
(abuse/services/) load the data, call them and store what they find.
"""
