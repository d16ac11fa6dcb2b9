"""Protocol adapters, looked up by the `protocol` key of the address book."""

from __future__ import annotations

from chainwatch.adapters.aave_v3 import AaveV3Adapter
from chainwatch.adapters.base import Adapter
from chainwatch.adapters.compound_v3 import CompoundV3Adapter
from chainwatch.adapters.morpho_blue import MorphoBlueAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    cls.protocol: cls for cls in (AaveV3Adapter, CompoundV3Adapter, MorphoBlueAdapter)
}


def adapter_class(protocol: str) -> type[Adapter]:
    try:
        return ADAPTERS[protocol]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise KeyError(f"unknown protocol {protocol!r} (known: {known})") from None


__all__ = ["ADAPTERS", "Adapter", "adapter_class"]
