"""Apply to a wixl-built MSI what wixl cannot express, taken from the same .wxs.

wixl (msitools 0.101) rejects Condition elements and ignores Property/@Secure. WiX on Windows
compiles them from SLMAssistant.wxs directly (they sit in `<?ifndef var.WIXL?>` blocks); for the
Linux build this script reads those same elements and writes the equivalent rows with msibuild:

* Product/Condition   -> LaunchCondition rows (property checks, with their messages)
* Component/Condition -> Component.Condition (policy values written only when a property is given)
* every property named in a component condition -> SecureCustomProperties

Usage: python3 wixl_patch.py SLMAssistant.wxs package.msi
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = {"w": "http://schemas.microsoft.com/wix/2006/wi"}


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def patch_statements(wxs_path: str, current_secure: str) -> list[str]:
    """The msibuild SQL statements that make the MSI match the .wxs."""
    root = ET.parse(wxs_path).getroot()
    product = root.find("w:Product", NS)
    statements = []
    for cond in product.findall("w:Condition", NS):
        statements.append(
            "INSERT INTO `LaunchCondition` (`Condition`, `Description`) VALUES ('%s', '%s')"
            % (_sql_text(" ".join(cond.text.split())), _sql_text(cond.get("Message")))
        )
    public: list[str] = []
    for comp in root.iter("{%s}Component" % NS["w"]):
        cond = comp.find("w:Condition", NS)
        if cond is None:
            continue
        text = " ".join(cond.text.split())
        statements.append("UPDATE `Component` SET `Condition` = '%s' WHERE `Component` = '%s'" % (_sql_text(text), comp.get("Id")))
        public += [p for p in re.findall(r"\b[A-Z][A-Z0-9_]+\b", text) if p not in public]
    secure = [p for p in current_secure.split(";") if p] + [p for p in public if p not in current_secure.split(";")]
    statements.append("UPDATE `Property` SET `Value` = '%s' WHERE `Property` = 'SecureCustomProperties'" % ";".join(secure))
    return statements


def current_secure_properties(msi: str) -> str:
    out = subprocess.run(["msiinfo", "export", msi, "Property"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        name, _, value = line.partition("\t")
        if name == "SecureCustomProperties":
            return value
    raise SystemExit(f"{msi} has no SecureCustomProperties row to extend")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    wxs, msi = argv[1], argv[2]
    for statement in patch_statements(wxs, current_secure_properties(msi)):
        subprocess.run(["msibuild", msi, "-q", statement], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
