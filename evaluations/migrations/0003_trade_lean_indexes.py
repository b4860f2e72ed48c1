"""Leaner trade indexes for ingest speed (docs/performance.md, Ingest).

Drops (account, open_time), (symbol, open_time), the account FK's own index (the unique
(account, ticket) constraint leads with it) and the import_batch FK's index and constraint
(provenance only); adds a PostgreSQL BRIN index on (open_time, close_time) for firm-wide
time-range scans.
"""

import django.db.models.deletion
from django.db import migrations, models

BRIN = "trade_time_brin"


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0002_risk_approves_phase_advance"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="trade",
            name="evaluations_account_d00797_idx",
        ),
        migrations.RemoveIndex(
            model_name="trade",
            name="evaluations_symbol_db9243_idx",
        ),
        migrations.AlterField(
            model_name="trade",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="trades",
                to="evaluations.tradingaccount",
            ),
        ),
        migrations.AlterField(
            model_name="trade",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="trades",
                to="evaluations.importbatch",
            ),
        ),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {BRIN} ON evaluations_trade "
            "USING brin (open_time, close_time)",
            f"DROP INDEX IF EXISTS {BRIN}",
        ),
    ]
