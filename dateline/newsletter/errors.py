"""What the mailing list refuses, in words to show the person who asked."""

from dateline.core.errors import Refused


class SignupRefused(Refused):
    """A signup or preference change the list will not take."""


class CampaignError(Refused):
    """A send that cannot start or change as asked."""
