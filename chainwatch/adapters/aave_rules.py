"""How each Aave v3 generation weighs an account's collateral, as its Pool computes it.

The health factor and LTV the Pool enforces come from GenericLogic.calculateUserAccountData,
and that function changed between versions; forks (Spark) run the version they forked. Read
from the deployed code (aave/aave-v3-core v1.19.3 for v3.0, aave-dao/aave-v3-origin tags
v3.1.0 to v3.6.0 and main for v3.7):

- v3.0 and v3.1 (and Spark): collateral whose reserve liquidation threshold is 0 is skipped,
  eMode or not (`if (vars.liquidationThreshold != 0 && isUsingAsCollateral)`); an eMode
  category is a per-reserve id with its own LTV, threshold and optional price source, and that
  price source prices every reserve of the category, debt included (`vars.eModeAssetPrice`);
  the category's LTV applies only where the reserve's own LTV is not 0 (`if (vars.ltv != 0)`).
- v3.2 to v3.5: the same LT-0 skip and the same base-LTV-0 rule; categories cover reserves by
  a collateral bitmap and have no price source.
- v3.6: LT-0 collateral counts (its threshold 0 dilutes the average); the LTV comes from
  ValidationLogic.getUserReserveLtv: inside the category its LTV unless the reserve is on the
  category's LTV-zero bitmap, outside it the reserve's own.
- v3.7: as v3.6, and in an isolated category every reserve it does not cover lends nothing.

Which generation a Pool runs is read from the getters it answers (see `Generation.detect`).

Separately, how the health factor is rounded changed at Pool revision 9 (v3.5.0; the Pool's
`POOL_REVISION` constant, 8 in v3.4.0; aave-dao/aave-v3-origin@c3e88e16 "improve precision of HF
calculation"): before it, GenericLogic divided the value-weighted threshold sum by the
collateral in integers and computed the health factor from that average, truncated to whole
basis points; from it, the health factor comes from the weighted sum itself, and only the
average it reports is truncated (`threshold_step`). The average borrow limit (LTV) is truncated
to whole basis points in every version (`ltv_step`): it is what the Pool lets one borrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

ZERO = Decimal(0)
EXACT_THRESHOLD_FROM_REVISION = 9  # v3.5.0's POOL_REVISION
BASIS_POINT = Decimal("0.0001")


def threshold_step(pool_revision: int) -> Decimal | None:
    """The step a Pool of this revision truncates the average liquidation threshold to before
    computing the health factor from it (see Position.threshold_step); None: it uses the sum."""
    return BASIS_POINT if pool_revision < EXACT_THRESHOLD_FROM_REVISION else None


class Generation(Enum):
    V3_0 = "v3.0-v3.1"  # per-reserve eMode category with a price source (getEModeCategoryData only)
    V3_2 = "v3.2-v3.5"  # collateral bitmaps (getEModeCategoryCollateralConfig), no LTV-zero bitmap
    V3_6 = "v3.6"  # getEModeCategoryLtvzeroBitmap
    V3_7 = "v3.7"  # getIsEModeCategoryIsolated

    @classmethod
    def detect(cls, has_collateral_config: bool, has_ltvzero_bitmap: bool, has_isolated_flag: bool) -> Generation:
        """The generation from which of the eMode getters, each added in one version, the Pool answers."""
        if has_isolated_flag:
            return cls.V3_7
        if has_ltvzero_bitmap:
            return cls.V3_6
        return cls.V3_2 if has_collateral_config else cls.V3_0

    @property
    def skips_zero_threshold(self) -> bool:
        """Whether collateral with a reserve liquidation threshold of 0 is left out entirely."""
        return self in (Generation.V3_0, Generation.V3_2)


@dataclass(frozen=True)
class EMode:
    """An efficiency-mode category: its terms and which reserves it covers."""

    max_ltv: Decimal
    liquidation_threshold: Decimal
    covers: frozenset[int]  # reserve ids whose collateral terms it overrides
    ltv_zero: frozenset[int] = frozenset()  # v3.6+: covered reserve ids that lend nothing inside it
    isolated: bool = False  # v3.7: reserves it does not cover lend nothing
    price_source: str | None = None  # v3.0/v3.1: the asset whose oracle price prices its reserves


@dataclass(frozen=True)
class CollateralTerms:
    max_ltv: Decimal
    liquidation_threshold: Decimal


def collateral_terms(
    generation: Generation,
    reserve_id: int,
    reserve_ltv: Decimal,
    reserve_threshold: Decimal,
    emode: EMode | None,
) -> CollateralTerms | None:
    """The LTV and liquidation threshold a collateral reserve counts with for an account in
    `emode` (None: no category), or None where this generation does not count it at all."""
    if generation.skips_zero_threshold and not reserve_threshold:
        return None
    covered = emode is not None and reserve_id in emode.covers
    threshold = emode.liquidation_threshold if emode is not None and covered else reserve_threshold
    if generation.skips_zero_threshold:  # v3.0-v3.5: `if (vars.ltv != 0)` on the reserve's own LTV
        ltv = ZERO if not reserve_ltv else (emode.max_ltv if emode is not None and covered else reserve_ltv)
    elif emode is not None and covered:  # v3.6+: ValidationLogic.getUserReserveLtv
        ltv = ZERO if reserve_id in emode.ltv_zero else emode.max_ltv
    elif emode is not None and emode.isolated and generation is Generation.V3_7:
        ltv = ZERO
    else:
        ltv = reserve_ltv
    return CollateralTerms(ltv, threshold)
