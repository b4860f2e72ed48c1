"""What a trade's symbol may be (security finding 11: look-alike symbols).

A symbol is normalised to Unicode NFKC (a full-width `ＥＵＲＵＳＤ` is `EURUSD`), then refused
when it still holds an invisible or control character (a zero-width space, a direction mark, a
tab) or letters of more than one script (`ЕURUSD` with a Cyrillic `Е`): such a symbol looks
like another on every page and report and would split or hide exposure. A symbol in one
non-Latin script (a Japanese stock name) is fine.
"""

from __future__ import annotations

import unicodedata

# Categories that draw nothing or control layout: Cc control, Cf format (zero-width, bidi marks),
# Co private use, Cs surrogates, Cn unassigned, Zl/Zp line and paragraph separators.
INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def _script(char: str) -> str:
    """A letter's script as Unicode names it (`LATIN CAPITAL LETTER E` → LATIN)."""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def symbol_problem(symbol: str) -> str | None:
    """Why this (normalised) symbol is refused, or None."""
    for char in symbol:
        category = unicodedata.category(char)
        if category in INVISIBLE or (category.startswith("Z") and char != " "):
            return f"symbol {symbol!r} holds an invisible character (U+{ord(char):04X})"
    scripts = {_script(char) for char in symbol if char.isalpha()}
    if len(scripts) > 1:
        return f"symbol {symbol!r} mixes letters of several scripts ({', '.join(sorted(scripts))})"
    return None


def normalised_symbol(symbol: str) -> str:
    return unicodedata.normalize("NFKC", symbol).strip()
