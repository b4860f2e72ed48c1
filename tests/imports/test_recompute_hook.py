"""After commit, accounts with new or updated rows are queued for recompute, once."""

from evaluations.hooks import send_recompute
from imports.service import import_file


def test_affected_accounts_are_queued_after_commit(
    two_accounts, fixture_path, recompute, django_capture_on_commit_callbacks
):
    first, second = two_accounts

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_file(fixture_path("canonical_trades.csv"))

    assert len(callbacks) == 2  # the recompute and the incremental abuse scan
    assert recompute.calls == [sorted([first.pk, second.pk])]


def test_nothing_is_queued_before_the_transaction_commits(
    two_accounts, fixture_path, recompute, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        import_file(fixture_path("canonical_trades.csv"))

    assert recompute.calls == []


def test_an_unchanged_reimport_queues_nothing(
    two_accounts, fixture_path, recompute, django_capture_on_commit_callbacks
):
    import_file(fixture_path("canonical_trades.csv"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_file(fixture_path("canonical_trades.csv"))

    assert callbacks == []
    assert recompute.calls == []


def test_a_rejected_import_queues_nothing(
    account, tmp_path, recompute, django_capture_on_commit_callbacks
):
    path = tmp_path / "t.csv"
    path.write_text(
        "ticket,symbol,side,volume,open_time,open_price,close_time,close_price,profit\n"
        "1,EURUSD,buy,0,2026-03-02T08:00:00Z,1,2026-03-02T09:00:00Z,1,1\n"
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = import_file(path, account=account)

    assert batch.status == "rejected"
    assert callbacks == []


def test_without_a_registered_task_the_import_queues_nothing(monkeypatch, caplog):
    from evaluations import hooks

    monkeypatch.setattr(hooks, "_recompute_task", None)

    assert send_recompute([1, 2]) is False
    assert "no recompute task registered" in caplog.text


def test_the_risk_app_registers_its_recompute_task():
    from evaluations import hooks
    from risk.tasks import recompute_accounts

    assert hooks._recompute_task is recompute_accounts


def test_an_unreachable_broker_does_not_fail_the_committed_import(
    two_accounts, fixture_path, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The trades are saved; the failed enqueue is logged, not raised (a 500 after commit)."""
    from kombu.exceptions import OperationalError

    from risk.tasks import recompute_accounts

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(recompute_accounts, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = import_file(fixture_path("canonical_trades.csv"))

    assert batch.status == "committed" and batch.rows_new > 0
    assert len(callbacks) == 2  # the recompute (whose broker is down) and the abuse scan
    assert "risk.tasks.recompute_accounts" in caplog.text
    assert "not queued, the broker is unreachable" in caplog.text
