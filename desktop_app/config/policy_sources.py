"""Platform readers of the machine policy (Linux file for now; Windows and macOS to follow)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from desktop_app.config.policy import MachinePolicy

LINUX_POLICY = Path("/etc/slm-assistant/policy.json")
POLICY_FILE_ENV = "SLM_ASSISTANT_POLICY_FILE"  # tests and portable installs point this at a file


def read_policy_file(path: Path) -> MachinePolicy:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return MachinePolicy()
    except OSError as exc:
        return MachinePolicy.safest(str(path), f"The policy at {path} cannot be read ({exc.strerror}).")
    try:
        data = json.loads(text)
    except ValueError:
        return MachinePolicy.safest(str(path), f"The policy at {path} is not valid JSON.")
    return MachinePolicy.from_mapping(data, str(path))


def read_platform_policy() -> MachinePolicy:
    override = os.environ.get(POLICY_FILE_ENV)
    if override:
        return read_policy_file(Path(override))
    return read_policy_file(LINUX_POLICY)
