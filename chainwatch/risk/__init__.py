"""The risk engine: what BTC moves and passing time do to a loan, and how likely the worst is.

Pure computation on the shared model (`chainwatch.model`), except `volatility.feed_volatility`,
which reads a Chainlink feed's rounds through `chainwatch.feeds`. It serves live positions and
hand-typed loans alike and never asks which protocol a position came from.
"""
