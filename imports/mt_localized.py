"""The words of translated MetaTrader statement templates, and their English originals.

Some brokers ship MT4/MT5 statements with translated section titles, column headers, labels
and trade types (Japanese `決済情報:` for "Closed Transactions:", `ログインID:` for
"Account:"). The parsers read the English template, so each cell is put back into English
before it is read (`english_cells`); words not listed here are left as they are. Japanese,
Chinese (simplified and traditional) and Russian are listed. A table with none of these words
can still be recognised by its layout (`mt4._section_by_layout`). MT5 reports have their own
words (`mt5_localized.py`): the same Russian word is an MT4 column and another MT5 one.
"""

from __future__ import annotations

import re

# Whole-cell words: section titles, column headers and trade types. Lower case for Russian.
WORDS = {
    # section titles
    "決済情報": "Closed Transactions",
    "決済済み取引": "Closed Transactions",
    "決済取引": "Closed Transactions",
    "已平仓交易": "Closed Transactions",
    "平仓交易": "Closed Transactions",
    "已平倉交易": "Closed Transactions",
    "закрытые сделки": "Closed Transactions",
    "закрытые позиции": "Closed Transactions",
    "未決済取引": "Open Trades",
    "オープンポジション": "Open Trades",
    "未平仓交易": "Open Trades",
    "未平倉交易": "Open Trades",
    "открытые сделки": "Open Trades",
    "открытые позиции": "Open Trades",
    "待機注文": "Working Orders",
    "挂单": "Working Orders",
    "отложенные ордера": "Working Orders",
    "サマリー": "Summary",
    "概要": "Summary",
    "摘要": "Summary",
    "итог": "Summary",
    "итоги": "Summary",
    "決済損益": "Closed P/L",
    "平仓盈亏": "Closed P/L",
    "закрытая прибыль/убыток": "Closed P/L",
    # MT4 closed-transactions header
    "チケット": "Ticket",
    "注文番号": "Ticket",
    "订单号": "Ticket",
    "單號": "Ticket",
    "тикет": "Ticket",
    "ордер": "Ticket",
    "約定時間": "Open Time",
    "注文時間": "Open Time",
    "開始時間": "Open Time",
    "开仓时间": "Open Time",
    "開倉時間": "Open Time",
    "время открытия": "Open Time",
    "タイプ": "Type",
    "取引種別": "Type",
    "类型": "Type",
    "類型": "Type",
    "тип": "Type",
    "数量": "Size",
    "取引数量": "Size",
    "ロット": "Size",
    "手数": "Size",
    "交易量": "Size",
    "объём": "Size",
    "объем": "Size",
    "лоты": "Size",
    "通貨ペア": "Item",
    "銘柄": "Item",
    "シンボル": "Item",
    "品种": "Item",
    "商品": "Item",
    "交易品种": "Item",
    "символ": "Item",
    "価格": "Price",
    "レート": "Price",
    "价格": "Price",
    "價格": "Price",
    "цена": "Price",
    "決済時間": "Close Time",
    "平仓时间": "Close Time",
    "平倉時間": "Close Time",
    "время закрытия": "Close Time",
    "手数料": "Commission",
    "手续费": "Commission",
    "佣金": "Commission",
    "комиссия": "Commission",
    "税金": "Taxes",
    "税费": "Taxes",
    "稅金": "Taxes",
    "налоги": "Taxes",
    "налог": "Taxes",
    "スワップ": "Swap",
    "库存费": "Swap",
    "隔夜利息": "Swap",
    "своп": "Swap",
    "損益": "Profit",
    "利益": "Profit",
    "利润": "Profit",
    "盈亏": "Profit",
    "盈利": "Profit",
    "прибыль": "Profit",
    # trade types
    "買い": "buy",
    "売り": "sell",
    "买入": "buy",
    "卖出": "sell",
    "買入": "buy",
    "賣出": "sell",
    "покупка": "buy",
    "продажа": "sell",
    "入出金": "balance",
    "入金": "balance",
    "出金": "balance",
    "余额": "balance",
    "結餘": "balance",
    "баланс": "balance",
    "クレジット": "credit",
    "信用": "credit",
    "кредит": "credit",
}
# Label prefixes of header cells ("ログインID: 2090123", "通貨: JPY").
LABELS = {
    "ログインid": "Account",
    "口座番号": "Account",
    "口座": "Account",
    "账户": "Account",
    "账号": "Account",
    "帳戶": "Account",
    "счёт": "Account",
    "счет": "Account",
    "通貨": "Currency",
    "货币": "Currency",
    "貨幣": "Currency",
    "валюта": "Currency",
}


class Vocabulary:
    """Puts a template's translated cells back into English: whole-cell `words` (section
    titles, column headers, trade types) and `labels` that start a cell ("ログインID: 2090123").

    With `ascii_too`, ASCII cells are looked up as well (French "Compte:", German "Konto:");
    otherwise only cells with a non-ASCII character are, as every MT4 word listed is.
    """

    def __init__(self, words: dict[str, str], labels: dict[str, str], *, ascii_too=False):
        self.words = words
        self.labels = labels
        self.ascii_too = ascii_too
        self._label = re.compile(
            "^(" + "|".join(sorted(map(re.escape, labels), key=len, reverse=True)) + r")\s*[:：]",
            re.IGNORECASE,
        )

    def english(self, cell: str) -> str:
        """The English template's text for a translated cell; any other cell unchanged."""
        if not cell or cell[0].isdigit() or (cell.isascii() and not self.ascii_too):
            return cell
        key = cell.strip().rstrip(":：").strip()
        word = self.words.get(key) or self.words.get(key.lower())
        if word is None and cell.rstrip().endswith((":", "：")):
            word = self.labels.get(key.lower())  # a label alone, its value in the next cell
        if word:
            return word + (":" if cell.rstrip().endswith((":", "：")) else "")
        label = self._label.match(cell)
        if label:
            return f"{self.labels[label.group(1).lower()]}:{cell[label.end() :]}"
        return cell

    def cells(self, cells: list[str]) -> list[str]:
        return [self.english(cell) for cell in cells]


MT4 = Vocabulary(WORDS, LABELS)


def english(cell: str) -> str:
    """An MT4 statement's cell in the English template's words."""
    return MT4.english(cell)


def english_cells(cells: list[str]) -> list[str]:
    return MT4.cells(cells)


def is_localized_title(text: str) -> bool:
    """A translated "Closed Transactions" title appears in `text` (format detection)."""
    return any(
        word in text or word in text.lower()
        for word, meaning in WORDS.items()
        if meaning == "Closed Transactions"
    )
