"""Production settings come from the environment: required secrets, absolute email links."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "k" * 25 + "Q7x!" + "z" * 21,
    "DATABASE_URL": "postgres://root@127.0.0.1:5432/propdesk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "desk.example.com",
    "EMAIL_URL": "smtp+tls://u:p@smtp.example.com:587",
}
PRINT_SITE_URL = (
    "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
)


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    # Outside pytest: PYTEST_VERSION would switch the settings to their test defaults.
    dropped = {"PYTEST_VERSION", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", *PRODUCTION}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean |= {"DJANGO_SETTINGS_MODULE": "config.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run(PRINT_SITE_URL, **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_email_links_in_production_point_at_the_allowed_host_not_localhost():
    result = run(PRINT_SITE_URL, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://desk.example.com"


def test_an_explicit_site_url_wins():
    result = run(PRINT_SITE_URL, **PRODUCTION, SITE_URL="https://backoffice.firm.example/")
    assert result.stdout.strip() == "https://backoffice.firm.example"


def test_production_without_a_site_url_or_a_named_host_refuses_to_start():
    result = run(PRINT_SITE_URL, **(PRODUCTION | {"ALLOWED_HOSTS": "*"}))
    assert result.returncode != 0
    assert "SITE_URL must be set" in result.stderr


def test_check_deploy_is_clean_with_the_production_environment():
    code = "from django.core.management import execute_from_command_line as x; "
    code += "x(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    result = run(code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_finding_5_the_proxy_depth_comes_from_trusted_proxy_count():
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    )
    assert run(code, **PRODUCTION).stdout.strip() == "0"
    assert run(code, **PRODUCTION, TRUSTED_PROXY_COUNT="1").stdout.strip() == "1"


def test_without_a_database_url_the_settings_say_how_to_get_one():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = run(PRINT_SITE_URL, **env)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
    assert "scripts/demo.sh" in result.stderr


def test_a_database_other_than_postgresql_is_refused():
    result = run(
        PRINT_SITE_URL, **(PRODUCTION | {"DATABASE_URL": "mysql://root@127.0.0.1:3306/propdesk"})
    )
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr
