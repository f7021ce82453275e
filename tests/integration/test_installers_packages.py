"""Packages around the real bundle: the MSI (wixl, signed) and the .deb (installed, run, upgraded, removed).

The MSI built on Linux wraps the Linux bundle: it proves the recipe (tables, properties, upgrade
logic, signing), not a Windows program. The .deb is installed on this machine with apt-get (root).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from desktop_app import __version__
from tests.installers_fixtures import INSTALLERS, frozen_env, last_line, require_root, require_tools, run_script
from tests.integration.test_installers_recipes import UPGRADE_CODE, msi_properties, msi_table

# The first test builds the bundle (minutes on a 2-core machine): more than the default per-test timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


# --------------------------------------------------------------------------- MSI


@pytest.fixture(scope="module")
def bundle_msi(frozen_bundle, tmp_path_factory):
    require_tools("wixl", "wixl-heat", "msibuild", "msiinfo", "osslsigncode", "openssl")
    proc = run_script(["bash", str(INSTALLERS / "build-msi.sh"), str(frozen_bundle.path)], timeout=1800)
    cert = tmp_path_factory.mktemp("cert") / "throwaway-cert.pem"
    shutil.copyfile(INSTALLERS.parent / "build" / "msi" / "throwaway-cert.pem", cert)
    return last_line(proc), cert


def test_msi_wraps_every_bundle_file(bundle_msi, frozen_bundle):
    msi, _cert = bundle_msi
    # Symbolic links (PyInstaller's Linux layout has a few) are not files an MSI can carry;
    # a Windows bundle has none.
    on_disk = sum(1 for p in frozen_bundle.path.rglob("*") if p.is_file() and not p.is_symlink())
    files = msi_table(msi, "File")
    assert len(files) == on_disk
    props = msi_properties(msi)
    assert props["UpgradeCode"] == UPGRADE_CODE and props["ProductVersion"] == __version__
    assert any(f["FileName"].endswith("slm-assistant") for f in files)
    print(f"MSI: {len(files)} files, {msi.stat().st_size / 2**20:.0f} MiB")


def test_msi_signature_and_tamper(bundle_msi, tmp_path):
    msi, cert = bundle_msi
    ok = subprocess.run(["osslsigncode", "verify", "-CAfile", str(cert), "-in", str(msi)], capture_output=True, text=True)
    assert ok.returncode == 0 and "Signature verification: ok" in ok.stdout, ok.stdout + ok.stderr
    tampered = tmp_path / "tampered.msi"
    shutil.copyfile(msi, tampered)
    subprocess.run(["msibuild", str(tampered), "-q", "UPDATE `Property` SET `Value` = '9.9.9' WHERE `Property` = 'ProductVersion'"], check=True)
    bad = subprocess.run(["osslsigncode", "verify", "-CAfile", str(cert), "-in", str(tampered)], capture_output=True, text=True)
    assert bad.returncode != 0


# --------------------------------------------------------------------------- Debian package


@pytest.fixture(scope="module")
def deb_package(frozen_bundle):
    require_tools("dpkg-deb")
    proc = run_script(["bash", str(INSTALLERS / "build-deb.sh"), str(frozen_bundle.path)], timeout=1800)
    return last_line(proc)


def dpkg_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), field], check=True, capture_output=True, text=True).stdout.strip()


def test_deb_metadata_and_contents(deb_package, tmp_path):
    deb = deb_package
    assert dpkg_field(deb, "Package") == "slm-assistant" and dpkg_field(deb, "Version") == __version__
    depends = dpkg_field(deb, "Depends")
    for lib in ("libegl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3", "libxcb-cursor0"):
        assert lib in depends, lib
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout
    for path in ("./opt/slm-assistant/slm-assistant", "./usr/share/applications/slm-assistant.desktop",
                 "./usr/share/icons/hicolor/256x256/apps/slm-assistant.png", "./usr/share/icons/hicolor/scalable/apps/slm-assistant.svg",
                 "./etc/slm-assistant/policy.json", "./usr/share/doc/slm-assistant/copyright"):
        assert path in listing, path
    assert "./usr/bin/slm-assistant -> /opt/slm-assistant/slm-assistant" in listing
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
    assert (control / "conffiles").read_text().split() == ["/etc/slm-assistant/policy.json"]
    if shutil.which("desktop-file-validate"):
        extracted = tmp_path / "x"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
        proc = subprocess.run(["desktop-file-validate", str(extracted / "usr/share/applications/slm-assistant.desktop")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout
    print(f".deb: {deb.stat().st_size / 2**20:.0f} MiB")


def apt(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_deb_installs_runs_keeps_policy_across_upgrade_and_removes(deb_package, frozen_bundle, tmp_path):
    require_root("install a package with apt-get")
    require_tools("apt-get", "dpkg")
    policy = Path("/etc/slm-assistant/policy.json")
    try:
        proc = apt("install", str(deb_package))
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert Path("/usr/bin/slm-assistant").resolve() == Path("/opt/slm-assistant/slm-assistant")
        # The installed app reads /etc/slm-assistant/policy.json itself (no override variable).
        env = frozen_env(tmp_path / "home", policy)
        env.pop("SLM_ASSISTANT_POLICY_FILE")
        run = subprocess.run(["/usr/bin/slm-assistant", "self-test"], env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        if shutil.which("runuser"):
            # An ordinary user cannot write to /opt: the installed app must not need to.
            user_home = Path(tempfile.mkdtemp(prefix="slm-nobody-", dir="/tmp"))
            os.chown(user_home, pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid)
            try:
                run = subprocess.run(
                    ["runuser", "-u", "nobody", "--", "env", "-i", "PATH=/usr/bin:/bin", f"HOME={user_home}", f"SLM_ASSISTANT_HOME={user_home}/slm",
                     "QT_QPA_PLATFORM=offscreen", "/usr/bin/slm-assistant", "self-test"],
                    capture_output=True, text=True, timeout=300,
                )
                assert run.returncode == 0, run.stdout + run.stderr
            finally:
                shutil.rmtree(user_home, ignore_errors=True)

        # IT edits the policy; an upgrade must keep the edit (conffile).
        policy.write_text(json.dumps({"privacy.allow_export": False}), encoding="utf-8")
        newer = last_line(run_script(["bash", str(INSTALLERS / "build-deb.sh"), str(frozen_bundle.path)],
                                     env={"DEB_VERSION": __version__ + "+1", "DEB_COMPRESSION": "none",
                                          "OUT_DIR": "build/test-deb-newer"}, timeout=1800))
        proc = apt("install", str(newer))
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        status = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "slm-assistant"], capture_output=True, text=True).stdout
        assert status == __version__ + "+1"
        assert json.loads(policy.read_text(encoding="utf-8")) == {"privacy.allow_export": False}
        locked = subprocess.run(["/usr/bin/slm-assistant", "config", "get", "privacy.allow_export"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert locked.stdout.strip().lower() == "false", locked.stdout + locked.stderr

        proc = apt("remove", "slm-assistant")
        assert proc.returncode == 0, proc.stderr
        assert not Path("/opt/slm-assistant").exists() and not Path("/usr/bin/slm-assistant").exists()
        assert policy.exists()  # remove keeps configuration files; purge deletes them
        proc = apt("purge", "slm-assistant")
        assert proc.returncode == 0, proc.stderr
        assert not policy.exists()
    finally:
        apt("purge", "slm-assistant", timeout=300)
