from django.db import migrations

from config import beat


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0001_live_storage"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat.schedule(
            beat.Periodic(
                "Live: prune minute bars and late ticks",
                "live.tasks.prune_live_storage",
                minute="20",
                hour="3",
                description="Delete per-minute equity bars and late ticks past their retention "
                "(LIVE_*_RETENTION).",
            )
        )
    ]
