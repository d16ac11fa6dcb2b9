"""Market-wide scans: discover every account with BTC collateral (each BTC asset of the chain)
from a market's event logs, read all their positions at one block, and map the collateral
liquidated at each BTC price.

    discover_accounts(adapter, reader, asset, cache_dir) -> accounts   (discover.py, logs.py, cache.py)
    liquidation_map(positions, asset) -> LiquidationMap                 (liqmap.py)
    liqmap_json / liqmap_table / plot_liqmap                            (report.py)
"""

from chainwatch.scan.cache import default_cache_dir
from chainwatch.scan.discover import DiscoveryUnsupportedError, discover_accounts
from chainwatch.scan.liqmap import LiquidationMap, liquidation_map
from chainwatch.scan.report import liqmap_json, liqmap_table, plot_liqmap

__all__ = [
    "DiscoveryUnsupportedError",
    "LiquidationMap",
    "default_cache_dir",
    "discover_accounts",
    "liqmap_json",
    "liqmap_table",
    "liquidation_map",
    "plot_liqmap",
]
