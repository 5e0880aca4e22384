# SPDX-License-Identifier: MIT
"""hv's VM-entry check blames the guest for a broken rule only when the
rule reads no guest field that hv writes after a vCPU's set-up
(vmcheck_hv_written in arch/x86/vmcheck.c, docs/vmcheck.md). This checks
that the list holds every guest field hv's exit handling names outside a
VMREAD, so that a new VMWRITE cannot make hv's own bug look like the
guest's."""

import re
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The set-up of a new VMCS writes every field before the first entry,
# which the check counts as hv's anyway; the field table and the dump of
# a VMCS (vmcs.c, whatever its shape) name fields only to read them.
SETUP = {"vmx_vcpu.c", "vmcs.c"}
# The checker's own tables name fields to read them.
CHECKER = re.compile(r"^vmcheck(_[a-z]+)?\.c$")
FIELD = re.compile(r"\bVMCS_GUEST_[A-Z0-9_]+\b")
# The fields that cannot break a rule: the checker reads none of them.
UNCHECKED = {"VMCS_GUEST_PHYSICAL_ADDRESS", "VMCS_GUEST_LINEAR_ADDRESS"}


def listed() -> set[str]:
    text = (REPO / "arch/x86/vmcheck.c").read_text()
    m = re.search(r"const uint32_t vmcheck_hv_written\[\] = \{(.*?)\};",
                  text, re.S)
    assert m, "vmcheck_hv_written not found in arch/x86/vmcheck.c"
    return set(FIELD.findall(m.group(1)))


def written() -> dict[str, list[str]]:
    """Guest fields named outside a VMREAD, in the files that handle
    exits, with where."""
    found: dict[str, list[str]] = {}
    paths = sorted((REPO / "arch/x86").glob("*.c")) + \
        sorted((REPO / "hv").glob("*.c"))
    for path in paths:
        if path.name in SETUP or (CHECKER.match(path.name) and
                                  path.name != "vmcheck_hv.c"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//")[0]
            if "vmcs_read" in code or code.lstrip().startswith(("*", "/*")):
                continue
            for f in FIELD.findall(code):
                found.setdefault(f, []).append(f"{path.name}:{n}")
    return found


class Written(unittest.TestCase):
    def test_every_write_listed(self):
        missing = {f: where for f, where in written().items()
                   if f not in listed() and f not in UNCHECKED}
        self.assertEqual(missing, {},
                         "guest fields hv writes but vmcheck_hv_written "
                         "does not list")

    def test_list_is_real(self):
        # Nothing listed that hv does not write: each entry is a field
        # whose broken rules are then always blamed on hv.
        self.assertEqual(listed() - set(written()), set())


if __name__ == "__main__":
    unittest.main()
