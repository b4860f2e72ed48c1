"""REST API routes (mounted at /api/). Each app adds its router here."""

urlpatterns: list = []
