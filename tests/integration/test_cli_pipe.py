"""A reader that leaves early (`slm-assistant docs list | head -1`) is not an error."""

import subprocess
import sys


def test_closed_stdout_gives_no_error_message(isolated_home):
    proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "config", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before the first line is written
    _, err = proc.communicate(timeout=120)
    assert "could not be saved" not in err and "Traceback" not in err and "Exception" not in err
    assert proc.returncode == 0
