"""allauth adapter: nobody signs up in the portal; the firm creates accounts for traders."""

from allauth.account.adapter import DefaultAccountAdapter


class PropDeskAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
