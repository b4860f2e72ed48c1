"""Crypto payout addresses checked by format and checksum before anything is sent to them.

A typo in an address sends the money nowhere, so each network's own checksum is verified, not
only its shape:
  * USDT on Tron (TRC-20): base58check, version byte 0x41, 25 bytes ("T…", 34 characters);
  * USDT on Ethereum (ERC-20): "0x" + 40 hex digits; mixed case must be the EIP-55 checksum
    (Keccak-256 of the lower-case hex; all-lower or all-upper carries no checksum);
  * Bitcoin: base58check P2PKH ("1…", version 0x00) / P2SH ("3…", 0x05), or a bech32 (v0) /
    bech32m (v1+) segwit address "bc1…" (BIP 173 / BIP 350).
`network_of(address)` names the network or returns None.
"""

from __future__ import annotations

import hashlib
import re

from Crypto.Hash import keccak

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32_CONST, BECH32M_CONST = 1, 0x2BC830A3

TRC20, ERC20, BTC = "USDT TRC-20", "USDT ERC-20", "BTC"


def base58check_payload(address: str) -> bytes | None:
    """The decoded version + payload of a base58check string, or None when the 4-byte checksum
    (double SHA-256) does not match or a character is outside the alphabet."""
    number = 0
    for char in address:
        digit = BASE58_ALPHABET.find(char)
        if digit < 0:
            return None
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(address) - len(address.lstrip("1"))) + body
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


def _bech32_polymod(values: list[int]) -> int:
    generators = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(generators):
            checksum ^= generator if (top >> i) & 1 else 0
    return checksum


def is_bitcoin_segwit(address: str, hrp: str = "bc") -> bool:
    """A segwit address: bech32 checksum for witness v0 (20- or 32-byte program), bech32m for
    v1–16; one case only."""
    if address.lower() != address and address.upper() != address:
        return False
    address = address.lower()
    separator = address.rfind("1")
    if address[:separator] != hrp or not 8 <= len(address) <= 90:
        return False
    try:
        data = [BECH32_CHARSET.index(char) for char in address[separator + 1 :]]
    except ValueError:
        return False
    if len(data) < 7:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    constant = _bech32_polymod(expanded + data)
    version, program5 = data[0], data[1:-6]
    if version > 16 or constant != (BECH32_CONST if version == 0 else BECH32M_CONST):
        return False
    bits = "".join(f"{value:05b}" for value in program5)
    padding = len(bits) % 8
    if padding > 4 or "1" in bits[len(bits) - padding :]:
        return False
    length = len(bits) // 8
    return 2 <= length <= 40 and (version != 0 or length in (20, 32))


def is_eip55(address: str) -> bool:
    """0x + 40 hex digits; when mixed-case, the capitals must spell the EIP-55 checksum."""
    if len(address) != 42 or not address.startswith("0x"):
        return False
    digits = address[2:]
    if any(c not in "0123456789abcdefABCDEF" for c in digits):
        return False
    if digits.islower() or digits.isupper() or digits.isdigit():
        return True
    digest = keccak.new(digest_bits=256, data=digits.lower().encode()).hexdigest()
    return all(
        c.isdigit() or (c.isupper() == (int(digest[i], 16) >= 8)) for i, c in enumerate(digits)
    )


def network_of(address: str) -> str | None:
    """Which network the address belongs to (TRC20, ERC20, BTC), or None when it is none of
    them or its checksum is wrong."""
    if address.startswith("T") and len(address) == 34:
        payload = base58check_payload(address)
        return TRC20 if payload is not None and len(payload) == 21 and payload[0] == 0x41 else None
    if address.startswith("0x"):
        return ERC20 if is_eip55(address) else None
    if address[:3].lower() == "bc1":
        return BTC if is_bitcoin_segwit(address) else None
    if address[:1] in ("1", "3") and 26 <= len(address) <= 35:
        payload = base58check_payload(address)
        return BTC if payload is not None and len(payload) == 21 and payload[0] in (0, 5) else None
    return None


IBAN_OR_ADDRESS = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,}\b|\b\w{20,}\b")


def masked(details: str) -> str:
    """Payout details with the middle of each IBAN or address hidden ("DE89 •••• 30 00"), for
    lists where the full destination is not needed; the first and last four characters stay
    so a person can still tell two destinations apart."""

    def hide(match: re.Match) -> str:
        value = match.group(0)
        return f"{value[:4]} •••• {value[-4:]}" if len(value) > 10 else value

    return IBAN_OR_ADDRESS.sub(hide, details)
