"""Where the background devnet listens: anvil's own default port, which the built-in address
book's `devnet` endpoint names. A leaf, so the command line can show it without loading web3."""

DEFAULT_PORT = 8545
