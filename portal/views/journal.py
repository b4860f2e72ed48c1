from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render

from accounts.access import portal_view
from config.csv_export import csv_lines
from config.forms import filter_errors_response
from portal import selectors
from portal.forms import JournalFilterForm

PAGE_SIZE = 50
CSV_COLUMNS = (
    "ticket",
    "symbol",
    "side",
    "volume",
    "open_time",
    "open_price",
    "close_time",
    "close_price",
    "commission",
    "swap",
    "fees",
    "profit",
    "net",
    "holding_seconds",
)
# Sortable columns of the table, in display order: (sort key, heading)
COLUMNS = (
    ("close_time", "Closed"),
    ("open_time", "Opened"),
    ("symbol", "Symbol"),
    ("side", "Side"),
    ("volume", "Volume"),
    ("open_price", "Entry"),
    ("close_price", "Exit"),
    ("holding", "Held"),
    ("commission", "Commission"),
    ("swap", "Swap"),
    ("profit", "Profit"),
    ("net", "Net"),
)


def _filtered(request, account):
    form = JournalFilterForm(request.GET, symbols=selectors.account_symbols(account))
    filters = form.filters(request.trader_tz)
    return form, filters, selectors.journal_trades(account, **filters)


@portal_view
def journal(request, login: str):
    """The account's closed trades: filter by symbol, side and close date; sort; paginate."""
    account = selectors.account_for_trader(request.user, login)
    form, filters, trades = _filtered(request, account)
    page = Paginator(trades, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    current = filters["sort"]
    headings = []
    for key, label in COLUMNS:
        sort_query = query.copy()
        sort_query["sort"] = f"-{key}" if current == key else key
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        headings.append({"label": label, "query": sort_query.urlencode(), "state": state})
    return render(
        request,
        "portal/journal.html",
        {
            "account": account,
            "form": form,
            "page": page,
            "headings": headings,
            "query": query.urlencode(),
            "tz_name": str(request.trader_tz),
        },
    )


@portal_view
def journal_csv(request, login: str):
    """The filtered journal as CSV, streamed; amounts exactly as stored, times in UTC."""
    account = selectors.account_for_trader(request.user, login)
    form, _, trades = _filtered(request, account)
    if form.errors:
        return filter_errors_response(form)
    rows = trades.values_list(*CSV_COLUMNS).iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        csv_lines(CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="journal-{account.login}.csv"'
    return response
