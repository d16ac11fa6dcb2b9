"""The risk engine: what BTC moves and passing time do to a loan, and how likely the worst is.

Pure computation on the shared model (`chainwatch.model`), except `volatility.read_feed_rounds`,
which reads a Chainlink feed through `chainwatch.rpc`. It serves live positions and hand-typed
loans alike and never asks which protocol a position came from.
"""
