"""A second app on the same data folder is told clearly and does not open a window."""

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.gui


def test_second_app_instance_is_refused_with_a_message(home, tmp_path):
    from draftwheel.config import app_paths
    from draftwheel.config.instance import acquire_instance_lock

    lock = acquire_instance_lock(app_paths())  # stands for the first, running app
    try:
        script = textwrap.dedent("""
            import sys
            from draftwheel.ui import qt
            shown = []
            qt.QMessageBox.critical = staticmethod(lambda parent, title, text: shown.append((title, text)))
            from draftwheel.ui.app import run_app
            rc = run_app()
            print(rc)
            print(shown[0][1] if shown else "no dialog")
        """)
        env = dict(os.environ, DRAFTWHEEL_HOME=str(home), QT_QPA_PLATFORM="offscreen")
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    finally:
        lock.release()
    out = proc.stdout.splitlines()
    assert out[0] == "2", proc.stderr
    assert "already open" in out[1] and str(os.getpid()) in out[1]
