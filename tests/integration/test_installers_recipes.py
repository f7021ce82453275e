"""Installer recipes checked without building the app: scripts, plists, desktop entry, WiX source, MSI tables.

The MSI tests here wrap a tiny stand-in folder, so the whole wixl -> patch -> sign -> verify chain
runs in seconds; test_installers_msi.py repeats the checks on the real bundle.
"""

from __future__ import annotations

import plistlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop_app import __version__
from desktop_app.config import policy_sources as ps
from tests.installers_fixtures import INSTALLERS, REPO, last_line, require_tools, run_script

WXS = INSTALLERS / "windows" / "SLMAssistant.wxs"
NS = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
UPGRADE_CODE = "{0F7D27D3-4F9F-4808-A948-B63CA871A9A3}"
SHELL_SCRIPTS = sorted(INSTALLERS.rglob("*.sh"))


def msi_table(msi: Path, table: str) -> list[dict[str, str]]:
    """Rows of an MSI table via msiinfo export (header line, types line, key line, rows)."""
    out = subprocess.run(["msiinfo", "export", str(msi), table], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[3:]]


def msi_properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in msi_table(msi, "Property")}


# --------------------------------------------------------------------------- scripts


def test_every_script_passes_shellcheck():
    require_tools("shellcheck")
    assert len(SHELL_SCRIPTS) >= 4
    proc = subprocess.run(["shellcheck", "-x", *map(str, SHELL_SCRIPTS)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.name)
def test_scripts_are_strict_and_executable(script):
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert script.stat().st_mode & 0o111


def test_powershell_build_signs_with_timestamp_and_smoke_tests():
    text = (INSTALLERS / "windows" / "build.ps1").read_text(encoding="utf-8")
    for needle in ("signtool", "/tr", "/td", "sha256", "msiexec", "/qn", "/x", "heat.exe", "candle.exe", "light.exe", "SLMAssistant.wxs"):
        assert needle in text, needle


# --------------------------------------------------------------------------- macOS


def load_plist(name: str):
    with (INSTALLERS / "macos" / name).open("rb") as fh:
        return plistlib.load(fh)


def test_info_plist_matches_bundle_and_policy_domain():
    info = load_plist("Info.plist")
    assert info["CFBundleIdentifier"] == ps.MACOS_BUNDLE_ID
    assert info["CFBundleExecutable"] == "slm-assistant"
    assert info["CFBundlePackageType"] == "APPL"
    assert (REPO / "resources" / "icons" / info["CFBundleIconFile"]).is_file()
    assert info["NSHighResolutionCapable"] is True
    spec = (INSTALLERS / "slm_assistant.spec").read_text(encoding="utf-8")
    assert f'BUNDLE_ID = "{ps.MACOS_BUNDLE_ID}"' in spec


def test_entitlements_allow_what_llama_cpp_and_torch_need():
    ent = load_plist("entitlements.plist")
    assert ent["com.apple.security.cs.allow-unsigned-executable-memory"] is True
    assert all(isinstance(v, bool) for v in ent.values())
    script = (INSTALLERS / "macos" / "build-dmg.sh").read_text(encoding="utf-8")
    for needle in ("--options runtime", "--timestamp", "--entitlements", "hdiutil create", "UDZO", "/Applications",
                   "notarytool submit", "--wait", "stapler staple", "spctl --assess"):
        assert needle in script, needle


def test_configuration_profile_payload_is_read_by_the_policy_reader(tmp_path):
    profile = load_plist("SLMAssistant.mobileconfig")
    assert profile["PayloadType"] == "Configuration" and profile["PayloadScope"] == "System"
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == ps.MACOS_BUNDLE_ID
    uuids = [profile["PayloadUUID"], payload["PayloadUUID"]]
    assert len(set(uuids)) == 2 and all(re.fullmatch(r"[0-9A-F-]{36}", u) for u in uuids)
    # What macOS writes to /Library/Managed Preferences/<domain>.plist is the payload's keys.
    managed = tmp_path / f"{ps.MACOS_BUNDLE_ID}.plist"
    managed.write_bytes(plistlib.dumps(payload))
    policy = ps.read_macos_managed(managed)
    assert policy.problem == ""
    assert policy.values["routing.policy"] == "off" and policy.values["privacy.allow_export"] is False
    assert set(policy.values) == {"routing.policy", "routing.cloud.base_url", "routing.cloud.model",
                                  "routing.cloud.use_keychain", "privacy.allow_user_models", "privacy.allow_export",
                                  "routing.on_device_only_collections"}
    assert policy.required("routing.on_device_only_collections") == ["hr"]


# --------------------------------------------------------------------------- Linux desktop entry


def test_desktop_entry_validates():
    require_tools("desktop-file-validate")
    proc = subprocess.run(["desktop-file-validate", str(INSTALLERS / "linux" / "slm-assistant.desktop")], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout


def test_default_linux_policy_is_valid_and_locks_nothing(tmp_path):
    policy = ps.read_linux_policy(INSTALLERS / "linux" / "policy.json")
    assert policy.problem == "" and policy.values == {}


# --------------------------------------------------------------------------- WiX source


def test_wxs_is_per_machine_x64_with_fixed_upgrade_code_and_downgrade_refused():
    root = ET.parse(WXS).getroot()
    product = root.find("w:Product", NS)
    assert "{%s}" % product.get("UpgradeCode") == UPGRADE_CODE
    assert product.get("Id") == "*"  # a new ProductCode each build: every build is a major upgrade
    package = product.find("w:Package", NS)
    assert package.get("InstallScope") == "perMachine" and package.get("Platform") == "x64"
    assert product.find("w:MajorUpgrade", NS).get("DowngradeErrorMessage")
    assert product.find("w:Directory/w:Directory[@Id='ProgramFiles64Folder']", NS) is not None


def test_wxs_policy_values_are_what_the_windows_reader_reads():
    root = ET.parse(WXS).getroot()
    values = [rv for rv in root.iter("{%s}RegistryValue" % NS["w"]) if "Policies" in rv.get("Key")]
    assert values, "the MSI writes no policy"
    for rv in values:
        assert rv.get("Root") == "HKLM" and rv.get("Key") == ps.WINDOWS_POLICY_KEY
        assert rv.get("Name") in ps.FRIENDLY_NAMES
    names = {rv.get("Name") for rv in values}
    assert {"CloudPolicy", "CloudEndpoint", "AllowUserModels", "AllowExport"} <= names


# --------------------------------------------------------------------------- MSI from a stand-in folder


@pytest.fixture(scope="module")
def small_msi(tmp_path_factory):
    """An MSI built by build-msi.sh around a three-file stand-in bundle (seconds, not minutes)."""
    require_tools("wixl", "wixl-heat", "msibuild", "msiinfo", "osslsigncode", "openssl")
    bundle = tmp_path_factory.mktemp("standin") / "slm-assistant"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "slm-assistant").write_text("#!/bin/sh\n", encoding="utf-8")
    (bundle / "_internal" / "resources" / "a.txt").write_text("a", encoding="utf-8")
    (bundle / "_internal" / "b.bin").write_bytes(b"\0" * 4096)
    out = tmp_path_factory.mktemp("msi-out")
    proc = run_script(["bash", str(INSTALLERS / "build-msi.sh"), str(bundle)], env={"OUT_DIR": "build/test-msi-small"}, timeout=300)
    msi = last_line(proc)
    assert "THROWAWAY self-signed" in proc.stderr
    kept, cert = out / msi.name, out / "throwaway-cert.pem"
    shutil.copyfile(msi, kept)
    shutil.copyfile(REPO / "build" / "msi" / "throwaway-cert.pem", cert)  # the next build makes a new one
    return kept, cert, proc


def test_msi_tables(small_msi):
    msi, _cert, _proc = small_msi
    props = msi_properties(msi)
    assert props["UpgradeCode"] == UPGRADE_CODE
    assert props["ProductVersion"] == __version__
    assert props["ProductName"] == "SLM Assistant" and props["Manufacturer"] == "SLM Assistant team"
    assert props["ARPPRODUCTICON"] and props["ARPHELPLINK"].startswith("https://")
    secure = props["SecureCustomProperties"].split(";")
    assert {"CLOUD_POLICY", "CLOUD_ENDPOINT", "ALLOW_USER_MODELS", "ALLOW_EXPORT", "ON_DEVICE_ONLY_COLLECTIONS",
            "WIX_UPGRADE_DETECTED"} <= set(secure)
    assert "CLOUD_POLICY" not in props  # undeclared: an empty declared value breaks wixl
    files = msi_table(msi, "File")
    assert len(files) == 3
    (shortcut,) = msi_table(msi, "Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder" and shortcut["Target"] == "[INSTALLDIR]slm-assistant"
    upgrades = msi_table(msi, "Upgrade")
    assert {u["ActionProperty"] for u in upgrades} == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"}
    launch = {row["Condition"]: row["Description"] for row in msi_table(msi, "LaunchCondition")}
    assert "NOT WIX_DOWNGRADE_DETECTED" in launch
    assert any("CLOUD_POLICY=\"auto\"" in c for c in launch)
    conditions = {row["Component"]: row["Condition"] for row in msi_table(msi, "Component")}
    assert conditions["PolicyCloudPolicy"] == "CLOUD_POLICY" and conditions["PolicyAllowExport"] == "ALLOW_EXPORT"
    registry = {row["Name"]: row for row in msi_table(msi, "Registry")}
    assert registry["CloudPolicy"]["Key"] == ps.WINDOWS_POLICY_KEY and registry["CloudPolicy"]["Root"] == "2"  # HKLM
    assert registry["CloudPolicy"]["Value"] == "[CLOUD_POLICY]"
    summary = subprocess.run(["msiinfo", "suminfo", str(msi)], check=True, capture_output=True, text=True).stdout
    assert "Template: x64;1033" in summary


def test_msi_signature_verifies_and_tampering_is_detected(small_msi, tmp_path):
    msi, cert, _proc = small_msi
    ok = subprocess.run(["osslsigncode", "verify", "-CAfile", str(cert), "-in", str(msi)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Signature verification: ok" in ok.stdout
    tampered = tmp_path / "tampered.msi"
    shutil.copyfile(msi, tampered)
    subprocess.run(["msibuild", str(tampered), "-q", "UPDATE `Property` SET `Value` = 'Evil Corp' WHERE `Property` = 'Manufacturer'"], check=True)
    assert msi_properties(tampered)["Manufacturer"] == "Evil Corp"
    bad = subprocess.run(["osslsigncode", "verify", "-CAfile", str(cert), "-in", str(tampered)], capture_output=True, text=True)
    assert bad.returncode != 0, bad.stdout
    assert "MISMATCH" in (bad.stdout + bad.stderr).upper()


def test_msi_version_override_for_upgrade_checks(small_msi, tmp_path):
    _msi, _cert, _proc = small_msi
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "slm-assistant").write_text("x", encoding="utf-8")
    proc = run_script(["bash", str(INSTALLERS / "build-msi.sh"), str(bundle)], env={"MSI_VERSION": "9.8.7", "OUT_DIR": "build/test-msi-small"}, timeout=300)
    newer = last_line(proc)
    props = msi_properties(newer)
    assert props["ProductVersion"] == "9.8.7" and props["UpgradeCode"] == UPGRADE_CODE
    # Each build has its own ProductCode, so the newer one replaces (major upgrade), never patches.
    assert props["ProductCode"] != msi_properties(small_msi[0])["ProductCode"]


def test_wixl_patch_statements_come_from_the_wxs():
    import importlib.util

    spec = importlib.util.spec_from_file_location("wixl_patch", INSTALLERS / "windows" / "wixl_patch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    statements = module.patch_statements(str(WXS), "WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED")
    assert sum(s.startswith("INSERT INTO `LaunchCondition`") for s in statements) == 3
    assert sum(s.startswith("UPDATE `Component`") for s in statements) == 8
    assert statements[-1].endswith("WHERE `Property` = 'SecureCustomProperties'")
    assert "WIX_UPGRADE_DETECTED;CLOUD_POLICY;" in statements[-1]


# --------------------------------------------------------------------------- Group Policy template

ADMX_DIR = INSTALLERS / "windows" / "admx"
GP_NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}


def test_admx_writes_what_the_windows_reader_reads():
    admx = ET.parse(ADMX_DIR / "SLMAssistant.admx").getroot()
    adml = ET.parse(ADMX_DIR / "en-US" / "SLMAssistant.adml").getroot()
    strings = {s.get("id") for s in adml.iter("{%s}string" % GP_NS["p"])}
    presentations = {p.get("id") for p in adml.iter("{%s}presentation" % GP_NS["p"])}
    written: dict[str, object] = {}
    for policy in admx.iter("{%s}policy" % GP_NS["p"]):
        assert policy.get("key") == ps.WINDOWS_POLICY_KEY and policy.get("class") == "Machine"
        for attr in ("displayName", "explainText"):
            assert policy.get(attr)[len("$(string."):-1] in strings, policy.get(attr)
        if policy.get("presentation"):
            assert policy.get("presentation")[len("$(presentation."):-1] in presentations
        names = [policy.get("valueName")] + [e.get("valueName") for e in policy.iter() if e.get("valueName")]
        for name in filter(None, names):
            assert name in ps.FRIENDLY_NAMES, name
        # What the policy writes when an administrator disables it (booleans) or picks the first item.
        disabled = policy.find("p:disabledValue/p:decimal", GP_NS)
        if disabled is not None:
            written[policy.get("valueName")] = int(disabled.get("value"))
        first = policy.find("p:elements/p:enum/p:item/p:value/p:string", GP_NS)
        if first is not None:
            written[policy.find("p:elements/p:enum", GP_NS).get("valueName")] = first.text
    assert written == {"CloudPolicy": "off", "AllowUserModels": 0, "AllowExport": 0}
    policy = ps.read_windows_registry(lambda key: written if key == ps.WINDOWS_POLICY_KEY else None)
    assert policy.problem == ""
    assert policy.values == {"routing.policy": "off", "privacy.allow_user_models": False, "privacy.allow_export": False}


# --------------------------------------------------------------------------- the bundled model


def _spec_function(name: str, namespace: dict) -> object:
    """One top-level function of the PyInstaller spec, compiled alone (the spec's module level
    runs PyInstaller's Analysis, which a test cannot)."""
    import ast

    tree = ast.parse((INSTALLERS / "slm_assistant.spec").read_text(encoding="utf-8"))
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    exec(compile(ast.Module(body=[node], type_ignores=[]), "slm_assistant.spec", "exec"), namespace)
    return namespace[name]


def test_the_bundle_ships_the_default_model_whatever_the_build_machine_would_pick(tmp_path, monkeypatch):
    """An 8-core build host with the large-model extra picks the 1.5B for itself; the bundle must
    still carry the 0.5B, which every machine can run and which the installed app asks for on a
    2-core laptop."""
    import os

    from desktop_app.llm import bundled

    monkeypatch.delenv("SLM_BUNDLE_MODEL", raising=False)
    monkeypatch.setattr(bundled, "_for_this_machine", lambda preference: (bundled.QWEN_CODER_1_5B, "8 cores"))
    shipped = []
    monkeypatch.setattr(bundled, "ensure_bundled_model",
                        lambda directory, source=None: shipped.append(source) or directory / source.file_name)
    bundled_model = _spec_function("bundled_model", {"os": os, "Path": Path, "BUILD": tmp_path})
    path = bundled_model()
    assert [s.file_name for s in shipped] == [bundled.DEFAULT_MODEL.file_name]
    assert path == tmp_path / "models" / bundled.DEFAULT_MODEL.file_name
