"""MT4 detailed statements as the terminal writes them, built for the import tests.

The layout follows MetaTrader 4's `DetailedStatement.htm`: a header row (account, name,
currency, leverage, date), the "Closed Transactions:" title, the 14-column header, trades
with a comment line under each, balance rows spanning the middle columns, the Closed P/L
line, then "Open Trades:". No charset is declared, as MT4 writes it in the terminal's ANSI
code page; `words` replaces the English titles and labels for a translated template.
"""

from __future__ import annotations

ENGLISH = {
    "account": "Account",
    "name": "Name",
    "currency": "Currency",
    "closed": "Closed Transactions:",
    "open": "Open Trades:",
    "header": [
        "Ticket", "Open Time", "Type", "Size", "Item", "Price", "S / L", "T / P",
        "Close Time", "Price", "Commission", "Taxes", "Swap", "Profit",
    ],
}  # fmt: skip
JAPANESE = {
    "account": "ログインID",
    "name": "名前",
    "currency": "通貨",
    "closed": "決済情報:",
    "open": "未決済取引:",
    "header": [
        "チケット", "約定時間", "タイプ", "数量", "通貨ペア", "価格", "S / L", "T / P",
        "決済時間", "価格", "手数料", "税金", "スワップ", "損益",
    ],
}  # fmt: skip

# (ticket, open, type, size, item, price, close, close price, commission, taxes, swap, profit)
TRADES = [
    ("70001", "2025.03.03 10:15:23", "buy", "1.00", "eurusd", "1.04210", "2025.03.03 14:02:11",
     "1.04550", "-7.00", "0.00", "0.00", "340.00"),
    ("70002", "2025.03.04 09:00:00", "sell", "0.50", "xauusd", "2 901.50", "2025.03.05 16:30:00",
     "2 915.75", "-3.50", "-1.00", "-0.08", "-712.50"),
]  # fmt: skip


def mt4_statement(
    *,
    login: str = "2090123",
    name: str = "Ana Trader",
    currency: str = "USD",
    comment: str = "expert: 12345 [tp]",
    trades=TRADES,
    balance=(("70000", "2025.03.01 08:00:00", "balance", "Deposit", "100 000.00"),),
    words=ENGLISH,
) -> str:
    cells = lambda values: "".join(f"<td>{v}</td>" for v in values)  # noqa: E731
    rows = [
        f"<tr align=left><td colspan=2><b>{words['account']}: {login}</b></td>"
        f"<td colspan=5><b>{words['name']}: {name}</b></td>"
        f"<td colspan=2><b>{words['currency']}: {currency}</b></td>"
        "<td colspan=2><b>1:100</b></td><td colspan=3>2025 March 7, 23:59</td></tr>",
        f"<tr align=left><td colspan=13><b>{words['closed']}</b></td></tr>",
        f"<tr align=center bgcolor=#C0C0C0>{cells(words['header'])}</tr>",
    ]
    for ticket, time, kind, text, amount in balance:
        rows.append(
            f"<tr align=right>{cells([ticket, time, kind])}"
            f"<td colspan=10 align=left>{text}</td><td>{amount}</td></tr>"
        )
    for t in trades:
        rows.append(f"<tr align=right>{cells([*t[:6], '0.00000', '0.00000', *t[6:]])}</tr>")
        rows.append(f"<tr><td colspan=2></td><td colspan=12 align=left>{comment}</td></tr>")
    rows.append("<tr><td colspan=12><b>Closed P/L:</b></td><td colspan=2><b>0.00</b></td></tr>")
    rows.append(f"<tr align=left><td colspan=13><b>{words['open']}</b></td></tr>")
    return (
        f"<html><head><title>Statement: {login} - {name}</title></head><body>"
        f"<div align=center><b>Raw Trading Ltd</b><br><table>{''.join(rows)}</table>"
        "</div></body></html>"
    )
