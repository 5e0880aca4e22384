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
# Set-up functions in files that also write guest fields at exits: a pc
# vCPU's entry state (arch/x86/vmx_pc.c) is written over hv's defaults
# before its first entry, but its CR and EFER writes come at exits.
SETUP_FUNCTIONS = {"vmx_pc.c": {"pc_segments", "vmx_pc_setup"}}
# A top-level function's first line, and the brace that ends it.
FUNCTION = re.compile(r"^[a-z][^(;]*?\b([a-z_0-9]+)\(")
# The checker's own tables name fields to read them.
CHECKER = re.compile(r"^vmcheck(_[a-z]+)?\.c$")
FIELD = re.compile(r"\bVMCS_GUEST_[A-Z0-9_]+\b")
PDPTE_LOOP = re.compile(r"\bVMCS_GUEST_PDPTE0 \+ 2 \*")
# The fields that cannot break a rule: the checker reads none of them.
UNCHECKED = {"VMCS_GUEST_PHYSICAL_ADDRESS", "VMCS_GUEST_LINEAR_ADDRESS"}
# Writes that change only bits no VM-entry check reads, by file and
# function: RFLAGS.RF cleared after an instruction hv completed (SDM
# "Checks on Guest RIP, RFLAGS, and SSP" reads the reserved bits, VM and
# IF, never RF). Listing RFLAGS would blame hv for every segment rule,
# since those read RFLAGS.VM.
RULE_FREE_WRITES = {("vmx_inject.c", "step_trap_pending"): {"VMCS_GUEST_RFLAGS"}}


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
        skip = SETUP_FUNCTIONS.get(path.name, set())
        function = None
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = FUNCTION.match(line)
            if m:
                function = m.group(1)
            elif line.startswith("}"):
                function = None
            if function in skip:
                continue
            code = line.split("//")[0]
            if "vmcs_read" in code or code.lstrip().startswith(("*", "/*")):
                continue
            fields = FIELD.findall(code)
            # The four PDPTEs are written in a loop, by index from the
            # first (arch/x86/vmx_pc.c, load_pdptes).
            if PDPTE_LOOP.search(code):
                fields += [f"VMCS_GUEST_PDPTE{i}" for i in range(1, 4)]
            free = RULE_FREE_WRITES.get((path.name, function), set())
            for f in fields:
                if f not in free:
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
