"""The production front as the repository ships it: deploy/nginx.conf.template, rendered.

Used by `make bench` and by the tests that run Debian's nginx in front of the app.
"""

import contextlib
import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"

MAIN = """\
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
{http}
}}
"""


def nginx_conf(
    *,
    prefix: Path,
    port: int,
    upstreams: list[int],
    static_root: Path,
    media_root: Path,
    workers: int | str = "auto",
) -> str:
    """A whole nginx.conf: the shipped http{} part for this machine."""
    # safe_substitute: nginx's own $host, $scheme, ... stay as they are.
    http = Template(TEMPLATE.read_text()).safe_substitute(
        DATELINE_LISTEN=f"127.0.0.1:{port}",
        DATELINE_UPSTREAMS=" ".join(f"server 127.0.0.1:{p};" for p in upstreams),
        DATELINE_STATIC_ROOT=str(static_root),
        DATELINE_MEDIA_ROOT=str(media_root),
        DATELINE_CACHE_DIR=str(prefix / "cache"),
    )
    assert "${DATELINE_" not in http, "a variable of the template was not given"
    return MAIN.format(workers=workers, prefix=prefix, http=http)


@contextlib.contextmanager
def front(site, *, workers: int = 2) -> Iterator[int]:
    """granian serving `site` behind the shipped nginx until the block ends; yields nginx's
    port. The app keeps no page copy of its own there (PAGE_CACHE_LOCAL_SECONDS=0, as in
    production.py): nginx's second is the only delay."""
    from . import http_tools
    from .site import free_port, served

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
        with http_tools.nginx(config, prefix=Path(prefix)):
            yield port
