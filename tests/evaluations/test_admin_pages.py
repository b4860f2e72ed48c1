"""Every model registered in the admin renders its changelist, add and change pages for a
superuser. The list comes from admin.site._registry, so a newly registered model is covered."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

import tests.factories as factories
from evaluations.models import ImportBatch

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
# Apps whose every registered model must have a change-page test (a factory or a builder).
REQUIRED_APPS = {"accounts", "evaluations"}
LOCAL_BUILDERS = {
    ImportBatch: lambda: ImportBatch.objects.create(
        source="cli", format="canonical", status="committed", filename="trades.csv"
    ),
}


def builder_for(model):
    return LOCAL_BUILDERS.get(model) or getattr(factories, f"{model.__name__}Factory", None)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def label(model) -> str:
    return model._meta.label


CHANGE_COVERED = [
    model
    for model, _ in REGISTERED
    if model._meta.app_label in REQUIRED_APPS or builder_for(model) is not None
]


@pytest.mark.parametrize("model", [m for m, _ in REGISTERED], ids=label)
def test_changelist_renders_with_a_row_and_with_a_search(admin_client, model):
    if builder := builder_for(model):
        builder()
    model_admin = admin.site._registry[model]

    assert admin_client.get(url(model, "changelist")).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(url(model, "changelist"), {"q": "1"}).status_code == 200


@pytest.mark.parametrize("model", [m for m, _ in REGISTERED], ids=label)
def test_add_page_renders_or_is_refused_when_adding_is_not_offered(admin_client, admin_user, model):
    request = RequestFactory().get("/")
    request.user = admin_user
    offered = admin.site._registry[model].has_add_permission(request)

    response = admin_client.get(url(model, "add"))

    assert response.status_code == (200 if offered else 403)


@pytest.mark.parametrize("model", CHANGE_COVERED, ids=label)
def test_change_page_and_history_render(admin_client, model):
    builder = builder_for(model)
    if builder is None:
        pytest.fail(f"add {model.__name__}Factory to tests/factories.py to test its admin page")
    obj = builder()

    response = admin_client.get(url(model, "change", obj.pk))

    assert response.status_code == 200
    if isinstance(admin.site._registry[model], SimpleHistoryAdmin):
        assert admin_client.get(url(model, "history", obj.pk)).status_code == 200


def test_every_account_and_evaluation_model_is_in_the_admin():
    from django.apps import apps

    registered = {m for m, _ in REGISTERED}
    for app_label in REQUIRED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            # ImportBatch belongs to the import admin (evaluations/admin_imports.py).
            if model.__name__.startswith("Historical") or model is ImportBatch:
                continue
            assert model in registered, f"{model._meta.label} is not in the admin"
