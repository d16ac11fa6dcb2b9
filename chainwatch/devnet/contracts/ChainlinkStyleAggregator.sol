// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title ChainlinkStyleAggregator
/// @notice A stand-in price feed for the chainwatch devnet. It exists because the Chainlink
/// aggregator bytecode is not on a reachable registry (and the MockAggregator in Aave's core-v3
/// package has no round data, no history and no setter). It speaks Chainlink's AggregatorV3 and V2
/// interfaces, keeps every round so history readers work, and lets its owner push answers.
contract ChainlinkStyleAggregator {
    struct Round {
        int192 answer;
        uint64 updatedAt;
    }

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    address public immutable owner;
    uint8 public immutable decimals;
    uint256 public constant version = 4;
    string public description;

    /// @dev rounds[0] is unused so that round ids start at 1, as a reader walking back expects.
    Round[] private rounds;

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    /// @dev Starts without rounds (reads revert "No data present", as Chainlink's do) so that
    /// the owner can seed a history dated before deployment with pushRounds.
    constructor(uint8 decimals_, string memory description_) {
        owner = msg.sender;
        decimals = decimals_;
        description = description_;
        rounds.push(Round(0, 0));
    }

    /// @notice Publish a new answer stamped with the current block time.
    function updateAnswer(int256 answer) external onlyOwner {
        _record(answer, block.timestamp);
    }

    /// @notice Append past rounds (oldest first), e.g. to seed a price history.
    function pushRounds(int256[] calldata answers, uint256[] calldata updatedAts) external onlyOwner {
        require(answers.length == updatedAts.length, "length mismatch");
        for (uint256 i = 0; i < answers.length; i++) {
            _record(answers[i], updatedAts[i]);
        }
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(uint80(rounds.length - 1));
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        require(roundId > 0 && roundId < rounds.length, "No data present");
        Round memory r = rounds[roundId];
        return (roundId, r.answer, r.updatedAt, r.updatedAt, roundId);
    }

    function latestAnswer() external view returns (int256) {
        return rounds[rounds.length - 1].answer;
    }

    function latestTimestamp() external view returns (uint256) {
        return rounds[rounds.length - 1].updatedAt;
    }

    function latestRound() external view returns (uint256) {
        return rounds.length - 1;
    }

    /// @dev V2 getters answer 0 for unknown rounds instead of reverting, as Chainlink's do.
    function getAnswer(uint256 roundId) external view returns (int256) {
        return roundId < rounds.length ? int256(rounds[roundId].answer) : int256(0);
    }

    function getTimestamp(uint256 roundId) external view returns (uint256) {
        return roundId < rounds.length ? uint256(rounds[roundId].updatedAt) : 0;
    }

    function _record(int256 answer, uint256 updatedAt) private {
        require(updatedAt <= block.timestamp, "updatedAt in the future");
        require(updatedAt >= rounds[rounds.length - 1].updatedAt, "updatedAt before last round");
        require(answer >= type(int192).min && answer <= type(int192).max, "answer out of range");
        uint256 roundId = rounds.length;
        rounds.push(Round(int192(answer), uint64(updatedAt)));
        emit NewRound(roundId, msg.sender, updatedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }
}
