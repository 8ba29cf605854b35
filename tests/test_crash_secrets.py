"""A bug's traceback is printed as Python prints it, without the secrets qm read from the environment."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

SECRET = "wx-appsecret-0123456789abcdef"

# a command that read a secret (as the WeChat publisher does) and then met a bug whose message quotes it (a
# platform's reply echoing the request, an address with its token)
CRASH = f"""
import sys
from scheduler.cli import main
from scheduler.inputs.secrets import read_secret

def buggy(*args):
    secret = read_secret({{"QM_WECHAT_SECRET": "{SECRET}"}}, "QM_WECHAT_SECRET")
    raise KeyError(f"unexpected reply to https://api.weixin.qq.com/cgi-bin/token?secret={{secret}}&x=1 {{secret}}")

main._main = buggy
sys.exit(main.main(["status"]))
"""


def test_a_bugs_traceback_masks_the_secrets_the_command_read() -> None:
    done = subprocess.run([sys.executable, "-c", CRASH], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" in done.stderr and "KeyError" in done.stderr, done.stderr
    assert SECRET not in done.stderr and "***" in done.stderr, done.stderr


# the same bug in a thread of its own, as the daemon's and the console's threads run
THREAD_CRASH = CRASH.replace(
    'main._main = buggy\nsys.exit(main.main(["status"]))',
    'import threading\n\ndef threaded(*args):\n    t = threading.Thread(target=buggy, name="worker")\n    t.start()\n    t.join()\n    return 0\n\n'
    'main._main = threaded\nsys.exit(main.main(["daemon"]))',
)


def test_a_threads_traceback_masks_the_secrets_too() -> None:
    assert THREAD_CRASH != CRASH
    done = subprocess.run([sys.executable, "-c", THREAD_CRASH], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "Exception in thread worker" in done.stderr and "KeyError" in done.stderr, done.stderr
    assert SECRET not in done.stderr and "***" in done.stderr, done.stderr
