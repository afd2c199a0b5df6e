"""The production front for `make bench`: granian behind the shipped nginx
(dateline.testing.nginx renders deploy/nginx.conf.template and runs it).
"""

import contextlib
import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dateline.testing.nginx import nginx, nginx_conf
from dateline.testing.ports import free_port
from dateline.testing.site import served


@contextlib.contextmanager
def front(site, *, workers: int = 2) -> Iterator[int]:
    """granian serving `site` behind the shipped nginx until the block ends; yields nginx's
    port. The app keeps no page copy of its own there (PAGE_CACHE_LOCAL_SECONDS=0, as in
    production.py): nginx's second is the only delay."""
    behind = dataclasses.replace(
        site, env={**site.env, "PAGE_CACHE_LOCAL_SECONDS": "0"}, port=free_port()
    )
    with served(behind, workers=workers), tempfile.TemporaryDirectory(prefix="nginx-") as prefix:
        port = free_port()
        config = nginx_conf(
            prefix=Path(prefix),
            port=port,
            upstreams=[behind.port],
            static_root=site.var_dir / "static",
            media_root=site.var_dir / "media",
        )
        with nginx(config, prefix=Path(prefix)):
            yield port
