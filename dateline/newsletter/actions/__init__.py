"""Every change to the mailing list and its sends: subscribers, campaigns, deliveries, events."""

from .campaigns import *  # noqa: F403
from .campaigns import __all__ as _campaigns
from .delivery import *  # noqa: F403
from .delivery import __all__ as _delivery
from .events import *  # noqa: F403
from .events import __all__ as _events
from .subscribers import *  # noqa: F403
from .subscribers import __all__ as _subscribers

__all__ = [*_subscribers, *_campaigns, *_delivery, *_events]
