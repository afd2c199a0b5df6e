"""The systemd units in deploy/ are valid and restart the app server and the worker whatever
made them stop (checked by systemd's own `systemd-analyze verify`, with this checkout's
paths put in)."""

import configparser
import getpass
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
UNITS = ["dateline-web.service", "dateline-worker@.service"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text().replace("\\\n", " "))
    return parser


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_restarts_its_process_whenever_it_stops(name):
    service, start_limit = unit(name)["Service"], unit(name)["Unit"]
    assert service["Restart"] == "always"
    assert 0 < float(service["RestartSec"]) <= 10
    assert start_limit["StartLimitIntervalSec"] == "0"  # systemd never gives up restarting


def test_the_units_run_the_documented_commands():
    web = unit("dateline-web.service")["Service"]["ExecStart"].split()
    worker = unit("dateline-worker@.service")["Service"]["ExecStart"].split()
    assert web[0].endswith("/.venv/bin/granian") and web[-1] == "dateline.wsgi:application"
    assert {"--interface", "wsgi", "--respawn-failed-workers"} <= set(web)
    assert worker[1:] == ["manage.py", "db_worker", "--queue-name", "*"]
    readme = (ROOT / "README.md").read_text()
    for name in UNITS:
        assert f"deploy/{name}" in readme


def test_systemd_accepts_the_units(tmp_path):
    verify = shutil.which("systemd-analyze")
    if verify is None:
        pytest.skip("systemd-analyze is not installed (Debian: systemd)")
    env_file = tmp_path / "dateline.env"
    env_file.write_text("DJANGO_SETTINGS_MODULE=dateline.settings.production\n")
    venv = Path(sys.executable).parent.parent
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/srv/dateline/.venv", str(venv)).replace("/srv/dateline", str(ROOT))
        text = text.replace("/etc/dateline/dateline.env", str(env_file))
        text = text.replace("User=dateline", f"User={getpass.getuser()}")
        text = text.replace("Group=dateline", "Group=")
        (tmp_path / name).write_text(text)
    instances = [str(tmp_path / name.replace("@.", "@1.")) for name in UNITS]
    checked = subprocess.run(
        [verify, "verify", *instances], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0 and not checked.stdout + checked.stderr, checked
