"""MT5 history reports as the terminal writes them in other languages, built for the tests.

One report (three positions, an order, a deposit deal, the results), rendered as the
terminal's HTML (UTF-16, hidden drill-down cells in the positions rows), CSV or XLSX, in the
words of a `language`. The positions' nets add up to the Results' 3 798.92.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def _language(titles: str, account: str, positions: str, deals: str) -> dict:
    """A language's words: titles (Positions, Orders, Deals, Results), the account label, and
    the Positions and Deals headers, each `|`-separated."""
    split = lambda words: [word.strip() for word in words.split("|")]  # noqa: E731
    return {"titles": split(titles), "account": account, "positions": split(positions),
            "deals": split(deals)}  # fmt: skip


FRENCH = _language(
    "Positions|Ordres|Transactions|Résultats", "Compte:",
    "Heure|Position|Symbole|Type|Volume|Prix|S / L|T / P|Heure|Prix|Commission|Swap|Profit",
    "Heure|Transaction|Symbole|Type|Direction|Volume|Prix|Ordre|Commission|Frais|Swap|Profit"
    "|Solde|Commentaire",
)  # fmt: skip
GERMAN = _language(
    "Positionen|Aufträge|Deals|Ergebnisse", "Konto:",
    "Zeit|Position|Symbol|Typ|Volumen|Preis|S / L|T / P|Zeit|Preis|Kommission|Swap|Gewinn",
    "Zeit|Deal|Symbol|Typ|Richtung|Volumen|Preis|Auftrag|Kommission|Gebühr|Swap|Gewinn"
    "|Kontostand|Kommentar",
)  # fmt: skip
RUSSIAN = _language(
    "Позиции|Ордера|Сделки|Результаты", "Счет:",
    "Время|Позиция|Символ|Тип|Объем|Цена|S / L|T / P|Время|Цена|Комиссия|Своп|Прибыль",
    "Время|Сделка|Символ|Тип|Направление|Объем|Цена|Ордер|Комиссия|Сбор|Своп|Прибыль|Баланс"
    "|Комментарий",
)  # fmt: skip
# A language none of whose words we list (Turkish): read by the tables' layout alone.
TURKISH = _language(
    "Pozisyonlar|Emirler|İşlemler|Sonuçlar", "Hesap:",
    "Zaman|Pozisyon|Sembol|Tip|Hacim|Fiyat|S / L|T / P|Zaman|Fiyat|Komisyon|Swap|Kâr",
    "Zaman|İşlem|Sembol|Tip|Yön|Hacim|Fiyat|Emir|Komisyon|Ücret|Swap|Kâr|Bakiye|Yorum",
)  # fmt: skip
POSITIONS = [
    ["2025.03.03 10:15:23", "1001", "EURUSD", "buy", "1", "1.04210", "", "",
     "2025.03.03 14:02:11", "1.04550", "-7.00", "0.00", "340.00"],
    ["2025.03.04 09:00:00", "1002", "XAUUSD", "sell", "0.5", "2 901.50", "2 930.00", "",
     "2025.03.05 16:30:00", "2 915.75", "-3.50", "- 0.08", "- 712.50"],
    ["2025.03.05 11:11:11", "1003", "US30", "buy", "2", "43 120.0", "", "43 400.0",
     "2025.03.05 11:45:00", "43 329.1", "0.00", "0.00", "4 182.00"],
]  # fmt: skip
NET = "3798.92"


def report_rows(language: dict, currency: str = "USD") -> list[list[str]]:
    positions, orders, deals, results = language["titles"]
    return [
        ["Ana Trader"],
        [language["account"], f"52603751 ({currency}, ICMarketsSC-Demo, demo, Hedge)"],
        [positions],
        language["positions"],
        *POSITIONS,
        [orders],
        ["", "2001", "EURUSD", "buy", "1 / 1", "market", "", "", "2025.03.03 10:15:23", "filled"],
        [deals],
        language["deals"],
        ["2025.03.01 00:00:00", "3000", "", "balance", "", "", "", "", "0.00", "0.00", "0.00",
         "100 000.00", "100 000.00", "Deposit"],
        [results],
        ["3 798.92"],
    ]  # fmt: skip


def report_html(rows: list[list[str]]) -> bytes:
    """The terminal's HTML: labels and titles spanning the table, a hidden cell in each
    positions row; UTF-16 as MT5 writes it."""
    html = []
    for cells in rows:
        if len(cells) == 1:
            html.append(f'<tr><th colspan="14"><b>{cells[0]}</b></th></tr>')
        elif len(cells) == 2:
            html.append(f'<tr><th colspan="4">{cells[0]}</th><th colspan="10">{cells[1]}</th></tr>')
        else:
            tds = [f"<td>{cell}</td>" for cell in cells]
            if len(cells) == 13:
                tds.insert(4, '<td class="hidden" colspan="8">drill-down</td>')
            html.append(f"<tr>{''.join(tds)}</tr>")
    page = (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=utf-16"><style>td.hidden { display: none; }</style></head><body><table>'
        + "".join(html)
        + "</table></body></html>"
    )
    return page.encode("utf-16")


def report_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def report_xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
