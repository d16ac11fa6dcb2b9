"""What a bitcoin-backed loan costs, CeFi against DeFi: interest, fees and gas priced live.

offers      CeFi offers from a TOML file (a cited default ships with the package)
interest    growth of a debt under every compounding convention an offer or market uses
lifecycle   the user actions a DeFi loan takes and their gas units (shipped, measured data)
gas         gas price from eth_feeHistory, ETH/USD from Chainlink, gas units to USD
markets     each DeFi market's current terms, read from the chain through its adapter
options     every way to borrow reduced to `slope · loan + fixed` USD
compare     the cost of every option for one loan, the cheapest, and break-even loan sizes
report      one `compare` question end to end (what the CLI calls), and its JSON
tables      the comparison as rich tables;  plot: total cost against loan size, as a PNG
"""
