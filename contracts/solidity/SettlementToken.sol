// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title Settlement token of a sandbox
/// @notice A plain ERC-20 in which payouts are made. The admin mints it: a sandbox faucet that
/// stands in for the utility's money, used to fund the settlement escrow.
contract SettlementToken is ERC20, AccessControl {
    uint8 private immutable _decimals;

    /// @param decimals_ may be 0 (e.g. a currency counted in whole dong)
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address admin) ERC20(name_, symbol_) {
        _decimals = decimals_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` base units to `to`. DEFAULT_ADMIN_ROLE.
    function mint(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _mint(to, amount);
    }
}
