"""Thread and GPU-offload choices: pure functions, table-driven."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import SettingsError
from desktop_app.llm import hardware


@pytest.mark.parametrize(
    "setting, gpu, expected",
    [
        ("auto", True, -1), ("auto", False, 0), ("", True, -1), ("cpu", True, 0), ("CPU", True, 0),
        ("all", True, -1), ("all", False, 0), ("18", True, 18), ("18", False, 0), ("0", True, 0),
    ],
)
def test_gpu_layers(setting, gpu, expected):
    assert hardware.resolve_gpu_layers(setting, gpu) == expected


@pytest.mark.parametrize("bad", ["gpu", "-3", "1.5"])
def test_bad_gpu_setting_is_a_plain_settings_error(bad):
    with pytest.raises(SettingsError, match="GPU"):
        hardware.resolve_gpu_layers(bad, True)


@pytest.mark.parametrize(
    "layers, total, threads, label",
    [
        (0, 18, 2, "CPU · 2 threads"),
        (0, 18, 1, "CPU · 1 thread"),
        (-1, 18, 4, "GPU · 18 layers"),
        (99, 18, 4, "GPU · 18 layers"),
        (18, 18, 4, "GPU · 18 layers"),
        (10, 18, 4, "GPU · 10 of 18 layers + CPU · 4 threads"),
    ],
)
def test_device_label(layers, total, threads, label):
    assert hardware.device_label(layers, total, threads) == label


def test_threads_setting():
    assert hardware.resolve_threads(3) == 3
    assert hardware.resolve_threads(0) == hardware.physical_core_count() >= 1


def test_physical_cores_from_sysfs(tmp_path):
    # Two cores with two SMT siblings each: cpu0/cpu2 share core 0, cpu1/cpu3 share core 1.
    for cpu, core in [(0, 0), (1, 1), (2, 0), (3, 1)]:
        topo = tmp_path / f"cpu{cpu}" / "topology"
        topo.mkdir(parents=True)
        (topo / "physical_package_id").write_text("0\n")
        (topo / "core_id").write_text(f"{core}\n")
    assert hardware._linux_physical_cores([0, 1, 2, 3], tmp_path) == 2
    assert hardware._linux_physical_cores([0, 2], tmp_path) == 1
    assert hardware._linux_physical_cores([0, 7], tmp_path) == 0  # unknown cpu: caller falls back
