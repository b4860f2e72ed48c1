"""The words of translated MetaTrader 5 history reports, and their English originals.

MetaTrader 5 writes its report in the terminal's language: section titles ("Ordres",
"Aufträge", "Сделки"), the account label ("Compte:", "Konto:", "Счет:") and column headers
are translated; the trade types (`buy`, `sell`, `balance`) and the layout of the Positions and
Deals tables are not. Listed here: French, German, Spanish, Russian, Japanese and Chinese
(simplified and traditional), only words we know MT5 to use. A report in another language,
or with a header word missing here, is still read by its tables' layout (`mt5_layout.py`).

MT4 statements have their own words (`mt_localized.py`): the Russian "Символ" is MT4's
"Item" but MT5's "Symbol", "Объём" MT4's "Size" but MT5's "Volume".
"""

from __future__ import annotations

from .mt_localized import Vocabulary

# Section titles, by the English title they stand for.
TITLES = {
    "Positions": (
        "Positionen", "Posiciones", "Позиции", "ポジション", "持仓", "持倉",
    ),
    "Orders": (
        "Ordres", "Aufträge", "Órdenes", "Ордера", "注文", "订单", "訂單",
    ),
    "Deals": (
        "Transactions", "Transaktionen", "Transacciones", "Сделки", "約定", "成交",
    ),
    "Results": (
        "Résultats", "Ergebnisse", "Resultados", "Результаты", "結果", "结果",
    ),
}  # fmt: skip
# Column headers of the Positions and Deals tables.
HEADERS = {
    "Time": ("Heure", "Zeit", "Hora", "Время", "時間", "时间"),
    "Position": ("Posición", "Позиция"),
    "Symbol": ("Symbole", "Símbolo", "Символ", "シンボル", "交易品种", "品种"),
    "Type": ("Typ", "Tipo", "Тип", "タイプ", "类型", "類型"),
    "Volume": ("Volumen", "Объем", "Объём", "数量", "交易量"),
    "Price": ("Prix", "Preis", "Precio", "Цена", "価格", "价格", "價格"),
    "Commission": ("Comisión", "Комиссия", "手数料", "手续费", "佣金"),
    "Swap": ("Своп", "スワップ", "库存费", "隔夜利息"),
    "Profit": ("Gewinn", "Beneficio", "Прибыль", "損益", "利润", "盈利", "盈亏"),
    "Deal": ("Сделка",),
    "Order": ("Ordre", "Auftrag", "Orden", "Ордер"),
    "Direction": ("Richtung", "Dirección", "Направление"),
    "Balance": ("Solde", "Kontostand", "Баланс"),
    "Comment": ("Commentaire", "Kommentar", "Comentario", "Комментарий"),
}
# Labels that start a header cell ("Compte: 52603751 (EUR, …)", or "Konto:" alone).
LABELS = {
    "compte": "Account",
    "konto": "Account",
    "cuenta": "Account",
    "счет": "Account",
    "счёт": "Account",
    "口座": "Account",
    "ログインid": "Account",
    "账户": "Account",
    "账号": "Account",
    "帳戶": "Account",
}


def _by_word(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word.lower(): english for english, words in table.items() for word in words}


MT5 = Vocabulary({**_by_word(HEADERS), **_by_word(TITLES)}, LABELS, ascii_too=True)
POSITIONS_TITLES = ("positions", *(word.lower() for word in TITLES["Positions"]))


def english_cells(cells: list[str]) -> list[str]:
    """An MT5 report's row in the English template's words."""
    return MT5.cells(cells)


def names_positions(text: str) -> bool:
    """A Positions title, in English or a language listed here, appears in `text`."""
    lower = text.lower()
    return any(title in lower for title in POSITIONS_TITLES)
