// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IAggregatorV3} from "./ProductPriceFeed.sol";

interface IERC20Like {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function decimals() external view returns (uint8);
}

/// @title CometStandIn — a STAND-IN for Compound v3's Comet, for tests only
/// @notice Comet's contracts are on no package registry reachable from the devnet build, so this
/// contract reproduces the parts of Comet that chainwatch reads, with Comet's ABI for those
/// functions and Comet's own storage math (compound-finance/comet at d5a30b0a, Comet.sol,
/// CometCore.sol): a signed base principal per account, supply and borrow indices scaled by
/// BASE_INDEX_SCALE = 1e15 that accrue linearly per second at the kinked rate of the current
/// utilization, present value = principal × index / 1e15 (borrow principal rounded up), factors
/// scaled by 1e18 and stored at Comet's 4-decimal precision, 8-decimal price feeds read without
/// a staleness check, and isBorrowCollateralized / isLiquidatable valuing debt at the STORED
/// index as Comet does. Up to 24 collateral assets with CometWithExtendedAssetList's layout
/// (compound-finance/comet at d5a30b0a, CometWithExtendedAssetList.sol: isInAsset,
/// updateAssetsIn): an account's asset at offset 0-15 is flagged in userBasic.assetsIn, at
/// offset 16-23 in userBasic._reserved; with 15 assets or fewer it is a plain Comet. Left out:
/// rewards tracking, reserves, pausing, permissions, absorb and buyCollateral, the extension
/// delegate (collateralBalanceOf lives here directly), the separate asset-list contract.
contract CometStandIn {
    struct AssetInfo {
        uint8 offset;
        address asset;
        address priceFeed;
        uint64 scale;
        uint64 borrowCollateralFactor;
        uint64 liquidateCollateralFactor;
        uint64 liquidationFactor;
        uint128 supplyCap;
    }

    struct AssetConfig {
        address asset;
        address priceFeed;
        uint8 decimals;
        uint64 borrowCollateralFactor;
        uint64 liquidateCollateralFactor;
        uint64 liquidationFactor;
        uint128 supplyCap;
    }

    /// @dev Comet's Configuration, minus governance, rewards and storefront fields; rates per year.
    struct Configuration {
        address baseToken;
        address baseTokenPriceFeed;
        uint64 supplyKink;
        uint64 supplyPerYearInterestRateSlopeLow;
        uint64 supplyPerYearInterestRateSlopeHigh;
        uint64 supplyPerYearInterestRateBase;
        uint64 borrowKink;
        uint64 borrowPerYearInterestRateSlopeLow;
        uint64 borrowPerYearInterestRateSlopeHigh;
        uint64 borrowPerYearInterestRateBase;
        uint104 baseBorrowMin;
        AssetConfig[] assetConfigs;
    }

    struct UserBasic {
        int104 principal;
        uint64 baseTrackingIndex;
        uint64 baseTrackingAccrued;
        uint16 assetsIn;
        uint8 _reserved;
    }

    struct UserCollateral {
        uint128 balance;
        uint128 _reserved;
    }

    struct TotalsBasic {
        uint64 baseSupplyIndex;
        uint64 baseBorrowIndex;
        uint64 trackingSupplyIndex;
        uint64 trackingBorrowIndex;
        uint104 totalSupplyBase;
        uint104 totalBorrowBase;
        uint40 lastAccrualTime;
        uint8 pauseFlags;
    }

    error BadAsset();
    error BadPrice();
    error BorrowTooSmall();
    error NotCollateralized();
    error SupplyCapExceeded();
    error InvalidInt104();

    uint64 internal constant SECONDS_PER_YEAR = 31_536_000;
    uint64 internal constant BASE_INDEX_SCALE = 1e15;
    uint64 internal constant FACTOR_SCALE = 1e18;
    uint64 internal constant PRICE_SCALE = 1e8;
    uint64 internal constant FACTOR_DESCALE = 1e14; // Comet packs factors with 4 decimals
    uint8 internal constant MAX_ASSETS = 24; // CometWithExtendedAssetList.MAX_ASSETS_FOR_ASSET_LIST

    address public immutable baseToken;
    address public immutable baseTokenPriceFeed;
    uint256 public immutable baseScale;
    uint256 public immutable baseBorrowMin;
    uint8 public immutable decimals;
    uint256 public immutable supplyKink;
    uint256 public immutable supplyPerSecondInterestRateSlopeLow;
    uint256 public immutable supplyPerSecondInterestRateSlopeHigh;
    uint256 public immutable supplyPerSecondInterestRateBase;
    uint256 public immutable borrowKink;
    uint256 public immutable borrowPerSecondInterestRateSlopeLow;
    uint256 public immutable borrowPerSecondInterestRateSlopeHigh;
    uint256 public immutable borrowPerSecondInterestRateBase;
    uint8 public immutable numAssets;

    uint64 internal baseSupplyIndex;
    uint64 internal baseBorrowIndex;
    uint104 internal totalSupplyBase;
    uint104 internal totalBorrowBase;
    uint40 internal lastAccrualTime;

    AssetInfo[] internal assets;
    mapping(address => uint128) public totalsCollateral;
    mapping(address => UserBasic) public userBasic;
    mapping(address => mapping(address => UserCollateral)) public userCollateral;

    constructor(Configuration memory config) {
        require(config.assetConfigs.length <= MAX_ASSETS, "too many assets");
        baseToken = config.baseToken;
        baseTokenPriceFeed = config.baseTokenPriceFeed;
        decimals = IERC20Like(config.baseToken).decimals();
        baseScale = 10 ** decimals;
        baseBorrowMin = config.baseBorrowMin;
        supplyKink = config.supplyKink;
        supplyPerSecondInterestRateSlopeLow = config.supplyPerYearInterestRateSlopeLow / SECONDS_PER_YEAR;
        supplyPerSecondInterestRateSlopeHigh = config.supplyPerYearInterestRateSlopeHigh / SECONDS_PER_YEAR;
        supplyPerSecondInterestRateBase = config.supplyPerYearInterestRateBase / SECONDS_PER_YEAR;
        borrowKink = config.borrowKink;
        borrowPerSecondInterestRateSlopeLow = config.borrowPerYearInterestRateSlopeLow / SECONDS_PER_YEAR;
        borrowPerSecondInterestRateSlopeHigh = config.borrowPerYearInterestRateSlopeHigh / SECONDS_PER_YEAR;
        borrowPerSecondInterestRateBase = config.borrowPerYearInterestRateBase / SECONDS_PER_YEAR;
        numAssets = uint8(config.assetConfigs.length);
        for (uint8 i = 0; i < config.assetConfigs.length; i++) {
            AssetConfig memory c = config.assetConfigs[i];
            require(IAggregatorV3(c.priceFeed).decimals() == 8, "bad feed decimals");
            require(c.borrowCollateralFactor < c.liquidateCollateralFactor, "bad factors");
            assets.push(
                AssetInfo({
                    offset: i,
                    asset: c.asset,
                    priceFeed: c.priceFeed,
                    scale: uint64(10 ** c.decimals),
                    borrowCollateralFactor: (c.borrowCollateralFactor / FACTOR_DESCALE) * FACTOR_DESCALE,
                    liquidateCollateralFactor: (c.liquidateCollateralFactor / FACTOR_DESCALE) * FACTOR_DESCALE,
                    liquidationFactor: (c.liquidationFactor / FACTOR_DESCALE) * FACTOR_DESCALE,
                    supplyCap: c.supplyCap
                })
            );
        }
        baseSupplyIndex = BASE_INDEX_SCALE;
        baseBorrowIndex = BASE_INDEX_SCALE;
        lastAccrualTime = uint40(block.timestamp);
    }

    // ---- asset info and prices -------------------------------------------------------------

    function getAssetInfo(uint8 i) public view returns (AssetInfo memory) {
        if (i >= numAssets) revert BadAsset();
        return assets[i];
    }

    function getAssetInfoByAddress(address asset) public view returns (AssetInfo memory) {
        for (uint8 i = 0; i < numAssets; i++) {
            if (assets[i].asset == asset) return assets[i];
        }
        revert BadAsset();
    }

    function getPrice(address priceFeed) public view returns (uint256) {
        (, int256 price, , , ) = IAggregatorV3(priceFeed).latestRoundData();
        if (price <= 0) revert BadPrice();
        return uint256(price);
    }

    // ---- rates and indices -----------------------------------------------------------------

    function getUtilization() public view returns (uint256) {
        uint256 totalSupply_ = presentValueSupply(baseSupplyIndex, totalSupplyBase);
        uint256 totalBorrow_ = presentValueBorrow(baseBorrowIndex, totalBorrowBase);
        return totalSupply_ == 0 ? 0 : totalBorrow_ * FACTOR_SCALE / totalSupply_;
    }

    function getSupplyRate(uint256 utilization) public view returns (uint64) {
        return _kinked(
            utilization, supplyKink, supplyPerSecondInterestRateBase, supplyPerSecondInterestRateSlopeLow,
            supplyPerSecondInterestRateSlopeHigh
        );
    }

    function getBorrowRate(uint256 utilization) public view returns (uint64) {
        return _kinked(
            utilization, borrowKink, borrowPerSecondInterestRateBase, borrowPerSecondInterestRateSlopeLow,
            borrowPerSecondInterestRateSlopeHigh
        );
    }

    function _kinked(uint256 utilization, uint256 kink, uint256 base, uint256 low, uint256 high)
        private
        pure
        returns (uint64)
    {
        if (utilization <= kink) return uint64(base + mulFactor(low, utilization));
        return uint64(base + mulFactor(low, kink) + mulFactor(high, utilization - kink));
    }

    function accruedInterestIndices(uint256 timeElapsed) internal view returns (uint64, uint64) {
        uint64 supplyIndex = baseSupplyIndex;
        uint64 borrowIndex = baseBorrowIndex;
        if (timeElapsed > 0) {
            uint256 utilization = getUtilization();
            supplyIndex += uint64(mulFactor(supplyIndex, getSupplyRate(utilization) * timeElapsed));
            borrowIndex += uint64(mulFactor(borrowIndex, getBorrowRate(utilization) * timeElapsed));
        }
        return (supplyIndex, borrowIndex);
    }

    function accrueInternal() internal {
        uint256 elapsed = block.timestamp - lastAccrualTime;
        if (elapsed > 0) {
            (baseSupplyIndex, baseBorrowIndex) = accruedInterestIndices(elapsed);
            lastAccrualTime = uint40(block.timestamp);
        }
    }

    function accrueAccount(address) external {
        accrueInternal();
    }

    function totalsBasic() external view returns (TotalsBasic memory) {
        return TotalsBasic(
            baseSupplyIndex, baseBorrowIndex, 0, 0, totalSupplyBase, totalBorrowBase, lastAccrualTime, 0
        );
    }

    // ---- balances --------------------------------------------------------------------------

    function totalSupply() external view returns (uint256) {
        (uint64 supplyIndex, ) = accruedInterestIndices(block.timestamp - lastAccrualTime);
        return presentValueSupply(supplyIndex, totalSupplyBase);
    }

    function totalBorrow() external view returns (uint256) {
        (, uint64 borrowIndex) = accruedInterestIndices(block.timestamp - lastAccrualTime);
        return presentValueBorrow(borrowIndex, totalBorrowBase);
    }

    function balanceOf(address account) public view returns (uint256) {
        (uint64 supplyIndex, ) = accruedInterestIndices(block.timestamp - lastAccrualTime);
        int104 principal = userBasic[account].principal;
        return principal > 0 ? presentValueSupply(supplyIndex, uint104(principal)) : 0;
    }

    function borrowBalanceOf(address account) public view returns (uint256) {
        (, uint64 borrowIndex) = accruedInterestIndices(block.timestamp - lastAccrualTime);
        int104 principal = userBasic[account].principal;
        return principal < 0 ? presentValueBorrow(borrowIndex, uint104(-principal)) : 0;
    }

    function collateralBalanceOf(address account, address asset) external view returns (uint128) {
        return userCollateral[account][asset].balance;
    }

    // ---- health ----------------------------------------------------------------------------

    function isBorrowCollateralized(address account) public view returns (bool) {
        return _liquidity(account, true) >= 0;
    }

    function isLiquidatable(address account) public view returns (bool) {
        return _liquidity(account, false) < 0;
    }

    /// @dev Comet's loop: base at the STORED index, stopping once liquidity turns non-negative
    /// (which decides the answer either way).
    function _liquidity(address account, bool borrowSide) private view returns (int256) {
        int104 principal = userBasic[account].principal;
        if (principal >= 0) return 0;
        UserBasic memory basic = userBasic[account];
        int256 liquidity = presentValue(principal) * int256(getPrice(baseTokenPriceFeed)) / int256(baseScale);
        for (uint8 i = 0; i < numAssets; i++) {
            if (isInAsset(basic.assetsIn, i, basic._reserved)) {
                if (liquidity >= 0) return liquidity;
                AssetInfo memory asset = assets[i];
                uint256 value = uint256(userCollateral[account][asset.asset].balance) * getPrice(asset.priceFeed)
                    / asset.scale;
                liquidity += int256(
                    mulFactor(value, borrowSide ? asset.borrowCollateralFactor : asset.liquidateCollateralFactor)
                );
            }
        }
        return liquidity;
    }

    // ---- actions ---------------------------------------------------------------------------

    /// Comet's own event (CometMainInterface), which account discovery scans for.
    event SupplyCollateral(address indexed from, address indexed dst, address indexed asset, uint256 amount);

    function supply(address asset, uint256 amount) external {
        if (asset == baseToken) {
            if (amount == type(uint256).max) amount = borrowBalanceOf(msg.sender);
            _transferIn(asset, amount);
            accrueInternal();
            int104 oldPrincipal = userBasic[msg.sender].principal;
            int104 newPrincipal = principalValue(presentValue(oldPrincipal) + int256(amount));
            _setPrincipal(msg.sender, oldPrincipal, newPrincipal);
        } else {
            AssetInfo memory info = getAssetInfoByAddress(asset);
            _transferIn(asset, amount);
            uint128 total = totalsCollateral[asset] + uint128(amount);
            if (total > info.supplyCap) revert SupplyCapExceeded();
            totalsCollateral[asset] = total;
            uint128 before = userCollateral[msg.sender][asset].balance;
            userCollateral[msg.sender][asset].balance = before + uint128(amount);
            _updateAssetsIn(msg.sender, info.offset, before, before + uint128(amount));
            emit SupplyCollateral(msg.sender, msg.sender, asset, amount);
        }
    }

    function withdraw(address asset, uint256 amount) external {
        if (asset == baseToken) {
            if (amount == type(uint256).max) amount = balanceOf(msg.sender);
            accrueInternal();
            int104 oldPrincipal = userBasic[msg.sender].principal;
            int256 balance = presentValue(oldPrincipal) - int256(amount);
            _setPrincipal(msg.sender, oldPrincipal, principalValue(balance));
            if (balance < 0) {
                if (uint256(-balance) < baseBorrowMin) revert BorrowTooSmall();
                if (!isBorrowCollateralized(msg.sender)) revert NotCollateralized();
            }
            require(IERC20Like(asset).transfer(msg.sender, amount), "transfer out");
        } else {
            AssetInfo memory info = getAssetInfoByAddress(asset);
            uint128 before = userCollateral[msg.sender][asset].balance;
            userCollateral[msg.sender][asset].balance = before - uint128(amount);
            totalsCollateral[asset] -= uint128(amount);
            _updateAssetsIn(msg.sender, info.offset, before, before - uint128(amount));
            if (!isBorrowCollateralized(msg.sender)) revert NotCollateralized();
            require(IERC20Like(asset).transfer(msg.sender, amount), "transfer out");
        }
    }

    function _transferIn(address asset, uint256 amount) private {
        require(IERC20Like(asset).transferFrom(msg.sender, address(this), amount), "transfer in");
    }

    /// @dev Comet's split of a principal change into supply/borrow totals (repayAndSupplyAmount,
    /// withdrawAndBorrowAmount).
    function _setPrincipal(address account, int104 oldPrincipal, int104 newPrincipal) private {
        uint104 oldSupply = oldPrincipal > 0 ? uint104(oldPrincipal) : 0;
        uint104 oldBorrow = oldPrincipal < 0 ? uint104(-oldPrincipal) : 0;
        uint104 newSupply = newPrincipal > 0 ? uint104(newPrincipal) : 0;
        uint104 newBorrow = newPrincipal < 0 ? uint104(-newPrincipal) : 0;
        totalSupplyBase = totalSupplyBase + newSupply - oldSupply;
        totalBorrowBase = totalBorrowBase + newBorrow - oldBorrow;
        userBasic[account].principal = newPrincipal;
    }

    /// @dev CometWithExtendedAssetList.isInAsset: bits 0-15 in assetsIn, 16-23 in _reserved.
    function isInAsset(uint16 assetsIn, uint8 offset, uint8 reserved) internal pure returns (bool) {
        if (offset < 16) return assetsIn & (uint16(1) << offset) != 0;
        if (offset < 24) return reserved & (uint8(1) << (offset - 16)) != 0;
        return false;
    }

    /// @dev CometWithExtendedAssetList.updateAssetsIn.
    function _updateAssetsIn(address account, uint8 offset, uint128 before, uint128 afterwards) private {
        if (before == 0 && afterwards != 0) {
            if (offset < 16) userBasic[account].assetsIn |= uint16(1) << offset;
            else if (offset < 24) userBasic[account]._reserved |= uint8(1) << (offset - 16);
        } else if (before != 0 && afterwards == 0) {
            if (offset < 16) userBasic[account].assetsIn &= ~(uint16(1) << offset);
            else if (offset < 24) userBasic[account]._reserved &= ~(uint8(1) << (offset - 16));
        }
    }

    // ---- Comet's present/principal value math (CometCore.sol) ------------------------------

    function presentValue(int104 principal) internal view returns (int256) {
        if (principal >= 0) return int256(presentValueSupply(baseSupplyIndex, uint104(principal)));
        return -int256(presentValueBorrow(baseBorrowIndex, uint104(-principal)));
    }

    function presentValueSupply(uint64 index, uint104 principal) internal pure returns (uint256) {
        return uint256(principal) * index / BASE_INDEX_SCALE;
    }

    function presentValueBorrow(uint64 index, uint104 principal) internal pure returns (uint256) {
        return uint256(principal) * index / BASE_INDEX_SCALE;
    }

    function principalValue(int256 present) internal view returns (int104) {
        if (present >= 0) return _int104(uint256(present) * BASE_INDEX_SCALE / baseSupplyIndex);
        uint256 borrow = uint256(-present);
        return -_int104((borrow * BASE_INDEX_SCALE + baseBorrowIndex - 1) / baseBorrowIndex);
    }

    function _int104(uint256 n) private pure returns (int104) {
        if (n > uint104(type(int104).max)) revert InvalidInt104();
        return int104(int256(n));
    }

    function mulFactor(uint256 n, uint256 factor) internal pure returns (uint256) {
        return n * factor / FACTOR_SCALE;
    }
}
