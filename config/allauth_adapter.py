"""allauth adapter: nobody signs up in the portal; the firm creates accounts for traders."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from accounts.audit import client_ip


class PropDeskAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        """The client's address through TRUSTED_PROXY_COUNT proxies (accounts.audit.client_ip):
        the rate limits count per client, not per proxy."""
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address
