"""Staff roles are Django groups; their permissions are declared here and synced by migrations.

A later migration that adds models or permissions calls `sync_roles` again.
"""

ADMINS = "admins"
RISK = "risk"
FINANCE = "finance"
SUPPORT = "support"
STAFF_ROLES = (ADMINS, RISK, FINANCE, SUPPORT)
# Roles that move money or grant privileges: granting them (or is_superuser) needs a second
# admin's approval (accounts.services.change_privileges / approve_role_grant).
SENSITIVE_ROLES = (ADMINS, FINANCE)
SUPERUSER = "superuser"  # how a role-grant request names the is_superuser flag


def acts_in_role(user, role: str, permission: str | None = None) -> bool:
    """Whether `user` acts as a member of `role` (and, if given, holds `permission`): an
    active, signed-in member of the role's group. Four-eyes counts people this way: the
    superuser flag alone makes nobody a payout or role approver.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    # Cached on the user object for the request, as Django caches permissions (_perm_cache).
    if not hasattr(user, "_role_names_cache"):
        user._role_names_cache = frozenset(user.groups.values_list("name", flat=True))
    if role not in user._role_names_cache:
        return False
    return permission is None or user.has_perm(permission)


# role -> list of "app_label.codename" or "app_label.*" (every permission of the app)
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMINS: [
        "accounts.*",
        # Also held through accounts.*; the audit log's admin refuses add, change and delete.
        "accounts.view_auditevent",
        "evaluations.*",
        "risk.*",
        "abuse.view_case",  # admins see abuse cases; the risk desk decides them
        # Payouts: admins see and export; only finance approves and pays (four-eyes).
        "payouts.view_payoutrequest",
        "payouts.view_payouttransition",
        "payouts.export_payoutrequest",
        # A staff change of a trader's payout destination needs a second person's approval.
        "payouts.view_payeechange",
        "payouts.add_payeechange",
        "payouts.approve_payeechange",
        "reports.*",
        "auth.view_group",
        "django_celery_beat.*",
        # Staff need a second factor; admins reset a lost one by deleting the authenticator.
        "mfa.view_authenticator",
        "mfa.delete_authenticator",
    ],
    RISK: [
        "accounts.view_user",
        "accounts.view_traderprofile",
        "accounts.view_auditevent",
        "evaluations.view_program",
        "evaluations.view_phase",
        "evaluations.view_ruleset",
        "evaluations.add_ruleset",
        "evaluations.view_rule",
        "evaluations.add_rule",
        "evaluations.change_rule",
        "evaluations.view_tradingaccount",
        "evaluations.change_tradingaccount",
        # the names platforms give the account in files and bridges (imports route by them)
        "evaluations.view_accountalias",
        "evaluations.add_accountalias",
        "evaluations.change_accountalias",
        "evaluations.delete_accountalias",
        "evaluations.approve_phase_advance",
        "evaluations.reinstate_account",
        # platform bridges and the commands sent to them (a failed command is issued again)
        "evaluations.view_bridge",
        "evaluations.view_platformcommand",
        "evaluations.change_platformcommand",
        "evaluations.view_trade",
        "evaluations.add_trade",
        "evaluations.change_trade",
        "evaluations.view_equitysnapshot",
        "evaluations.add_equitysnapshot",
        "evaluations.view_balanceoperation",
        "evaluations.view_importbatch",
        "evaluations.add_importbatch",
        "risk.*",
        # abuse cases: the queue, the case page, assign, comment, decide (abuse.decide_case)
        "abuse.*",
        "reports.view_risk_monitor",
        "reports.view_funnel",
        "reports.view_leaderboard",
    ],
    FINANCE: [
        "accounts.view_user",
        "accounts.view_traderprofile",
        "evaluations.view_program",
        "evaluations.view_phase",
        "evaluations.view_tradingaccount",
        "evaluations.view_trade",
        "evaluations.view_balanceoperation",
        "evaluations.add_balanceoperation",
        # Another person's balance operation only (evaluations.services.balance: four-eyes).
        "evaluations.approve_balanceoperation",
        "payouts.*",
        "reports.view_money",
        "reports.view_funnel",
        "reports.view_leaderboard",
    ],
    SUPPORT: [
        "accounts.view_user",
        "accounts.view_traderprofile",
        "accounts.change_traderprofile",
        "evaluations.view_program",
        "evaluations.view_phase",
        "evaluations.view_ruleset",
        "evaluations.view_rule",
        "evaluations.view_tradingaccount",
        "evaluations.view_platformcommand",  # what the platform was told about an account
        "evaluations.view_trade",
        "evaluations.view_equitysnapshot",
        "evaluations.view_balanceoperation",
        "evaluations.view_importbatch",
        "payouts.view_payoutrequest",
        "payouts.view_payouttransition",
        "risk.view_violation",
        "risk.view_accountmetrics",
        "risk.view_dailymetrics",
        "risk.view_economicevent",
        # Staff area: support answers traders' questions, so it reads the leaderboard and a
        # trader's detail page, but not the firm's risk or money dashboards.
        "reports.view_leaderboard",
    ],
}


def sync_roles(apps, schema_editor=None) -> None:
    """Create the role groups and set exactly the permissions declared above.

    Usable from a migration (`migrations.RunPython(sync_roles, ...)`): permissions are
    created first, since Django only makes them after `migrate` finishes otherwise.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, specs in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for spec in specs:
            app_label, codename = spec.split(".", 1)
            qs = permission_model.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                qs = qs.filter(codename=codename)
            wanted.extend(qs)
        group.permissions.set(wanted)
