"""XLSX memory benchmark: the peak memory of importing a hostile and a large legitimate workbook.

    .venv/bin/python bench/xlsx_memory.py [--positions 50000]

Needs DATABASE_URL pointing at PostgreSQL. Creates a scratch database (propdesk_bench_xlsx)
with one account, writes three workbooks in a temp dir and imports each with
`imports.service.import_file` in a fresh subprocess, printing its peak RSS (ru_maxrss):
1. baseline: an MT5 XLSX report of one position (Django, openpyxl and the import loaded);
2. hostile: one 1,023-character shared string repeated over 64 columns x 20,000 rows (~87 KB,
   security review finding 4: 1.42 GB before the fix);
3. legitimate: an MT5 XLSX report of `--positions` closed positions (plus its Orders section).
Exits non-zero when an import peaks at or above 256 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_NAME = "propdesk_bench_xlsx"
LOGIN = "52603751"
LIMIT_KIB = 256 * 1024
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PACKAGE = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
POSITIONS_HEADER = (
    "Time", "Position", "Symbol", "Type", "Volume", "Price", "S / L", "T / P", "Time", "Price",
    "Commission", "Swap", "Profit",
)  # fmt: skip


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Workbook:
    """Writes a one-sheet workbook as Excel does: every text cell is a shared string."""

    def __init__(self, path: Path, refs: bool = True) -> None:
        self.refs = refs
        self.archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.sheet = self.archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'
                         "<sheetData>".encode())  # fmt: skip
        self.strings: dict[str, int] = {}
        self.row_number = 0

    def row(self, values) -> None:
        self.row_number += 1
        cells = []
        for i, value in enumerate(values):
            ref = f' r="{_column(i)}{self.row_number}"' if self.refs else ""
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                cells.append(f"<c{ref}><v>{value}</v></c>")
            else:
                index = self.strings.setdefault(value, len(self.strings))
                cells.append(f'<c{ref} t="s"><v>{index}</v></c>')
        self.sheet.write(f'<row r="{self.row_number}">{"".join(cells)}</row>'.encode())

    def close(self) -> None:
        self.sheet.write(b"</sheetData></worksheet>")
        self.sheet.close()
        items = "".join(f"<si><t>{text}</t></si>" for text in self.strings)
        shared = f'<sst xmlns="{_MAIN}" uniqueCount="{len(self.strings)}">{items}</sst>'
        for name, part in (*_PACKAGE.items(), ("xl/sharedStrings.xml", shared)):
            self.archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + part)
        self.archive.close()


def hostile_workbook(path: Path, rows: int = 20_000, columns: int = 64) -> Path:
    """The review's workbook: one 1,023-character shared string in every cell (~87 KB)."""
    book = _Workbook(path, refs=False)  # cells without references: they compress to nothing
    text = ("A long cell " * 86)[:1023]
    for _ in range(rows):
        book.row([text] * columns)
    book.close()
    return path


def mt5_report(path: Path, positions: int, login: str = LOGIN) -> Path:
    """An MT5 history report as the terminal exports it: account, Positions, Orders."""
    book = _Workbook(path)
    book.row(["Trade History Report"])
    book.row(["Account:", None, None, f"{login} (USD, Bench-Server, demo, Hedge)"])
    book.row(["Positions"])
    book.row(POSITIONS_HEADER)
    for n in range(positions):
        day, second = divmod(n, 40_000)
        opened = f"2025.{1 + day // 28:02d}.{1 + day % 28:02d} {second // 3600 % 24:02d}:" \
                 f"{second // 60 % 60:02d}:{second % 60:02d}"  # fmt: skip
        symbol = ("EURUSD", "GBPUSD", "XAUUSD", "US30")[n % 4]
        profit = round((n % 97 - 48) * 3.17, 2)
        side, volume = ("buy", "sell")[n % 2], (0.1, 0.2, 0.5, 1, 2)[n % 5]
        open_price = round(1.0421 + (n % 50) / 10_000, 5)
        close_price = round(1.0455 + (n % 40) / 10_000, 5)
        book.row([opened, 10_000_000 + n, symbol, side, volume, open_price, "", "", opened,
                  close_price, -0.7, 0, profit])  # fmt: skip
    book.row(["Orders"])
    book.row(["Open Time", "Order", "Symbol", "Type", "Volume", "Price", "State"])
    for n in range(min(positions, 1000)):
        book.row(["2025.01.01 00:00:00", 20_000_000 + n, "EURUSD", "buy", "0.1", "1.04", "filled"])
    book.close()
    return path


def peak_of_import(path: Path, database_url: str, login: str = LOGIN) -> dict:
    """Import `path` with `import_file` in a fresh Python process; its peak RSS and outcome."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--login", login],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import of {path.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(path: str, login: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from evaluations.models import ImportSource, TradingAccount
    from imports.service import import_file, report_text

    account = TradingAccount.objects.get(login=login)
    # What the process holds before the import (Django, the apps, settings that differ between
    # a shell and a test run) is not the import's: `import_kib` is the peak it adds.
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    batch = import_file(path, account=account, source=ImportSource.ADMIN)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "peak_kib": peak,
                "import_kib": peak - before,
                "status": batch.status,
                "report": report_text(batch),
            }
        )
    )


def _create_account() -> None:
    from decimal import Decimal

    from accounts.models import User
    from evaluations.models import Phase, Program, RuleSet, TradingAccount

    program = Program.objects.create(
        name="Bench XLSX", slug="bench-xlsx", account_size=Decimal("100000"), price=Decimal("1")
    )
    phase = Phase.objects.create(program=program, order=1, name="Phase 1", kind="evaluation")
    rule_set = RuleSet.objects.create(phase=phase, version=1)
    trader = User.objects.create(email="xlsx@bench.example")
    TradingAccount.objects.create(
        login=LOGIN, trader=trader, program=program, phase=phase, rule_set=rule_set,
        initial_balance=Decimal("100000"),
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=50_000)
    parser.add_argument("--child")
    parser.add_argument("--login", default=LOGIN)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.login)
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scratch_db import ScratchDatabase

    scratch = ScratchDatabase(SCRATCH_NAME, "bench/xlsx_memory.py")
    scratch.recreate()
    try:
        scratch.setup_django()
        _create_account()
        failed = False
        with tempfile.TemporaryDirectory() as tmp:
            files = {
                "baseline (1 position)": mt5_report(Path(tmp) / "tiny.xlsx", 1),
                "hostile (64 x 20,000 shared)": hostile_workbook(Path(tmp) / "hostile.xlsx"),
                f"MT5 report ({args.positions:,} positions)": mt5_report(
                    Path(tmp) / "large.xlsx", args.positions
                ),
            }
            baseline = None
            for name, path in files.items():
                result = peak_of_import(path, scratch.url)
                peak, added = result["peak_kib"], result["import_kib"]
                baseline = baseline or peak
                over = added >= LIMIT_KIB
                failed |= over
                print(
                    f"{name:34} {path.stat().st_size / 1024:9,.0f} KiB file  "
                    f"peak {peak / 1024:7,.1f} MiB (+{(peak - baseline) / 1024:6,.1f} over "
                    f"baseline; the import itself {added / 1024:6,.1f} MiB)"
                    f"{'  OVER 256 MiB' if over else ''}\n    {result['report'][:150]}"
                )
        return 1 if failed else 0
    finally:
        from django.db import connections

        connections.close_all()
        scratch.drop()


if __name__ == "__main__":
    sys.exit(main())
