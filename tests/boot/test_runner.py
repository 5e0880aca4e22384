# SPDX-License-Identifier: MIT
"""Checks of runner.py's own logic (scenario parsing, judging, the manifest
tweak of `run`), without any emulator, in the modules of tests/boot/hvtest
and tools/hvboot. Run: python3 -m unittest tests/boot/test_runner.py"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True

from hvtest import boot, esp, jobs, judge, scenario as scn  # noqa: E402  (puts tools/ on the path too)
import hvboot  # noqa: E402
from hvboot import console as run_console, esp as hvboot_esp, machines, serial  # noqa: E402


def scenario(text: str) -> scn.Scenario:
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write(text)
    path = Path(f.name)
    try:
        return scn.parse_scenario(path)
    finally:
        path.unlink()


def verdict(plan: scn.Plan, lines: list[str], how: str = "exit", powered_off: bool = True) -> list[str]:
    return judge.judge(plan, lines, judge.Ending(how, powered_off, "note"), 60)


class ParseTest(unittest.TestCase):
    def test_engine_lines_override_general_ones_wherever_they_are(self) -> None:
        s = scenario("engines bochs qemu-tcg\nbochs: timeout 200\ntimeout 30\ncpus 2\nqemu-tcg: cpus 4\n")
        self.assertEqual(s.plans["bochs"].timeout, 200)
        self.assertEqual(s.plans["qemu-tcg"].timeout, 30)
        self.assertEqual((s.plans["bochs"].cpus, s.plans["qemu-tcg"].cpus), (2, 4))

    def test_manifest_block_is_verbatim(self) -> None:
        s = scenario("engines bochs\nmanifest <<END\n# c\n[partition p]\n  image = x\nEND\nexpect a\n")
        self.assertEqual(s.plans["bochs"].manifest, ("text", "# c\n[partition p]\n  image = x\n"))
        self.assertEqual(len(s.plans["bochs"].expects), 1)

    def test_esp_directives(self) -> None:
        s = scenario(
            "engines bochs\nesp-add build/g.elf:hv/g.elf\nesp-omit hv/hv.elf\n"
            "esp-corrupt hv/hv.conf patch 0x10 7f 45\nesp-corrupt hv/x text a\\n\\x00\n"
        )
        plan = s.plans["bochs"]
        self.assertEqual(plan.esp_add, [("build/g.elf", "hv/g.elf")])
        self.assertEqual([c.action for c in plan.esp_changes], ["omit", "patch", "text"])
        self.assertEqual((plan.esp_changes[1].offset, plan.esp_changes[1].data), (16, b"\x7fE"))
        self.assertEqual(plan.esp_changes[2].data, b"a\n\x00")

    def test_errors_name_the_line(self) -> None:
        for text, message in [
            ("engines bochs\nfrobnicate x\n", ":2: unknown directive"),
            ("engines bochs\nexpect (\n", ":2: bad regular expression"),
            ("engines bochs\ncapture n x\n", "exactly one (group)"),
            ("engines bochs\ncheck n == 1\n", "'n' is not a capture"),
            ("engines bochs\nqemu-tcg: cpus 2\n", "qemu-tcg is not in this scenario's engines"),
            ("engines bochs\nmanifest <<END\nx\n", "no line 'END' closes"),
            ("engines bochs\ntype ^pm> $\n", "type REGEX ; TEXT"),
            ("engines bochs\ntype x ; a\\q\n", "unknown escape"),
            ("expect x\n", "no 'engines' line"),
        ]:
            with self.assertRaises(scn.ScenarioError, msg=text) as caught:
                scenario(text)
            self.assertIn(message, str(caught.exception))

    def test_type(self) -> None:
        s = scenario("engines bochs\ntype ^pm: ready$ ; list\\r\ntype ^pm: done ; shutdown\\r\n")
        typed = s.plans["bochs"].typed
        self.assertEqual([(p.pattern, t) for p, t in typed], [("^pm: ready$", b"list\r"), ("^pm: done", b"shutdown\r")])

    def test_shipped_scenarios_parse(self) -> None:
        names = {path.stem for path in scn.scenario_files()}
        parts: list[str] = []
        for path in scn.scenario_files():
            parts += [p for p, _ in scn.parse_scenario(path).parts]
        # A part name selects its scenario on the command line: it must be
        # unique, and no scenario may have it.
        self.assertEqual(len(parts), len(set(parts)), parts)
        self.assertFalse(names & set(parts))

    def test_parts_label_their_checks(self) -> None:
        s = scenario(
            "engines bochs\nexpect ^a\npart p1 first things\nexpect ^b\nbochs: expect ^c\n"
            "part p2\nforbid ^x\nexpect-count 2 ^y\nexpect-order ^a ; ^z\ncapture v v=(\\d+)\ncheck v == 3\n"
        )
        self.assertEqual(s.parts, [("p1", "first things"), ("p2", "")])
        reasons = verdict(s.plans["bochs"], ["x", "v=2"])
        self.assertEqual(
            [r.split(" ", 1)[0] for r in reasons],
            ["expected", "[p1]", "[p1]", "[p2]", "[p2]", "[p2]", "[p2]"],
            reasons,
        )
        for text, message in [
            ("engines bochs\npart a\npart a\n", "part a is named twice"),
            ("engines bochs\nbochs: part a\n", "part NAME"),
            ("engines bochs\npart Bad\n", "part NAME"),
        ]:
            with self.assertRaises(scn.ScenarioError, msg=text) as caught:
                scenario(text)
            self.assertIn(message, str(caught.exception))


class BochsClockTest(unittest.TestCase):
    """ips: Bochs' emulated instructions per emulated second (docs/testing.md,
    "Bochs' clock")."""

    def spec(self, ips: int) -> machines.MachineSpec:
        d = Path(tempfile.gettempdir())
        return machines.MachineSpec("bochs", d, d / "esp.img", 2, 512, ("file", str(d / "com1")), d / "bochslog", ips=ips)

    def test_scenario_sets_it_for_bochs_only(self) -> None:
        s = scenario("engines bochs qemu-tcg\nips 1000000000\n")
        self.assertEqual((s.plans["bochs"].ips, s.plans["qemu-tcg"].ips), (1000000000, 0))
        self.assertEqual(scenario("engines bochs\n").plans["bochs"].ips, 0)
        self.assertEqual(scenario("engines bochs\nips 8000000\nbochs: ips 0x1000000\n").plans["bochs"].ips, 1 << 24)

    def test_refused(self) -> None:
        for text, message in [
            ("engines bochs qemu-tcg\nqemu-tcg: ips 1000000000\n", ":2: ips is Bochs' clock rate; qemu-tcg has none"),
            ("engines bochs\nips 999999\n", ":2: ips must be at least 1000000"),
            ("engines bochs\nips fast\n", ":2: ips must be a number"),
            ("engines bochs\nips 4294967296\n", ":2: ips must be at most 4294967295"),
        ]:
            with self.assertRaises(scn.ScenarioError, msg=text) as caught:
                scenario(text)
            self.assertIn(message, str(caught.exception))

    def test_bochsrc_cpu_line(self) -> None:
        rom = Path("/x/rom.fd")
        line = next(ln for ln in machines.bochsrc_text(self.spec(1000000000), rom).splitlines() if ln.startswith("cpu:"))
        self.assertEqual(line, "cpu: model=corei7_skylake_x, count=2, ips=1000000000, reset_on_triple_fault=0")
        # Bochs' own default when no one sets it: no ips= at all.
        default = machines.bochsrc_text(self.spec(0), rom)
        self.assertNotIn("ips=", default)
        self.assertNotIn("@", "".join(ln for ln in default.splitlines() if not ln.startswith("#")))

    def test_timeout_allows_for_the_firmware_at_a_higher_rate(self) -> None:
        fast = scenario("engines bochs\nips 1000000000\ntimeout 100\n").plans["bochs"]
        plain = scenario("engines bochs\ntimeout 100\n").plans["bochs"]
        self.assertEqual(plain.effective_timeout(2), 200)
        # 0.26 s of OVMF stalls at 10^9 instead of 4 * 10^6, at 20 million a second.
        self.assertAlmostEqual(fast.effective_timeout(1), 100 + 0.26 * 996e6 / 20e6)
        self.assertEqual(scenario("engines bochs\nips 4000000\n").plans["bochs"].effective_timeout(1), 120)

    def test_command_line_option(self) -> None:
        self.assertEqual(machines.ips_option("1e9"), 10**9)
        self.assertEqual(machines.ips_option("4000000"), machines.BOCHS_DEFAULT_IPS)
        for bad in ("1000", "x", "5e9"):
            with self.assertRaises(Exception):
                machines.ips_option(bad)


class JudgeTest(unittest.TestCase):
    def plan(self, body: str) -> scn.Plan:
        return scenario("engines qemu-tcg\n" + body).plans["qemu-tcg"]

    def test_pass(self) -> None:
        plan = self.plan("expect ^hv: a\nexpect-count 2 b\nexpect-order a ; b ; c\n")
        self.assertEqual(verdict(plan, ["hv: a", "b", "x", "b c"]), [])

    def test_missing_forbidden_count_order(self) -> None:
        plan = self.plan("expect zz\nforbid ^x\nexpect-count 1 b\nexpect-order c ; a\n")
        reasons = verdict(plan, ["a", "b", "b", "c", "x"])
        self.assertEqual(len(reasons), 4, reasons)

    def test_expect_at_most_is_a_bound(self) -> None:
        plan = self.plan("expect-at-most 2 ^hv: .*denied\n")
        self.assertEqual(verdict(plan, ["hv: a denied", "hv: b denied", "x"]), [])
        self.assertEqual(verdict(plan, []), [])
        reasons = verdict(plan, ["hv: a denied"] * 3)
        self.assertEqual(len(reasons), 1, reasons)
        self.assertIn("at most 2", reasons[0])

    def test_bochs_cpu_picks_a_model_with_vmx(self) -> None:
        self.assertEqual(self.plan("").bochs_cpu, "corei7_skylake_x")
        plan = scenario("engines bochs\nbochs-cpu tigerlake\n").plans["bochs"]
        self.assertEqual(plan.bochs_cpu, "tigerlake")
        with self.assertRaises(scn.ScenarioError) as caught:
            scenario("engines bochs\nbochs-cpu pentium\n")
        self.assertIn("bochs-cpu needs one of", str(caught.exception))
        # The template takes the model where the runner fills it in.
        self.assertIn("cpu: model=@CPU_MODEL@,", machines.BOCHSRC_TEMPLATE.read_text())

    def test_default_forbids_only_hv_and_test_lines(self) -> None:
        plan = self.plan("")
        quiet = ["BdsDxe: FAIL", "[g] panic: on purpose", "TEST panic_path: PASS", "hv: failed lower-case"]
        self.assertEqual(verdict(plan, quiet), [])
        self.assertEqual(len(verdict(plan, ["hv: panic: bad", "[g] TEST t: FAIL why", "TEST u: FAIL"])), 3)
        self.assertEqual(verdict(self.plan("allow ^hv: FAIL ok$\n"), ["hv: FAIL ok"]), [])

    def test_vmcheck_refusal_fails_unless_allowed(self) -> None:
        refused = ["hv: vmcheck: star vcpu 0: VM entry refused: rule GUEST_SS_RPL broken by the guest's own state: GUEST_SS_SELECTOR = 0x13",
                   "hv: vmcheck: 12 VM entries checked against 188 rules: 1 refused for the guest's state; the check took 1100 tsc an entry"]
        self.assertEqual(len(verdict(self.plan(""), refused)), 1)
        self.assertEqual(verdict(self.plan("allow VM entry refused: rule GUEST_SS_RPL\n"), refused), [])
        self.assertEqual(judge.vmcheck_counts(refused), (12, 188, 1))
        self.assertIsNone(judge.vmcheck_counts(["hv: vmcheck: off (entry_check = no)"]))

    def test_bochs_log(self) -> None:
        plan = scenario("engines bochs\nbochs-log-expect Unknown register 0x99$\nbochs-log-forbid Unknown register 0x200$\n").plans["bochs"]
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "bochslog"
            log.write_text("00001e[CPU0  ] RDMSR: Unknown register 0x99\n")
            self.assertEqual(judge.judge_bochs_log(plan, log), [])
            log.write_text("00001e[CPU0  ] RDMSR: Unknown register 0x200\n")
            self.assertEqual(len(judge.judge_bochs_log(plan, log)), 2)
            self.assertEqual(len(judge.judge_bochs_log(plan, Path(d) / "none")), 1)

    def test_captures_and_checks(self) -> None:
        plan = self.plan("capture a a=(\\S+)\ncapture b b=(\\S+)\ncheck a == 16\ncheck b < a\ncheck a != b\n")
        self.assertEqual(verdict(plan, ["a=0x10", "b=3"]), [])
        self.assertEqual(len(verdict(plan, ["a=2", "b=3"])), 2)
        self.assertIn("not both numbers", verdict(self.plan("capture a a=(\\S+)\ncheck a < 1\n"), ["a=x"])[0])

    def test_attack_battery(self) -> None:
        plan = self.plan("attack mem-a ^hv: partition mem-a stopped\nattack io-b ^hv: partition io-b: .*refused\n")
        good = [
            "hv: partition mem-a stopped: EPT violation",
            "[parent] battery: mem-a: contained: state 4",
            "hv: partition io-b: halted, refused io 1",
            "[parent] battery: io-b: contained: state 3",
            "[parent] battery: 2 attacks, 2 contained, 0 escaped",
        ]
        self.assertEqual(verdict(plan, good), [])
        # The attacker's own ESCAPED line, whatever hv and the parent say.
        said = good + ["[mem-a] attack mem-a: ESCAPED: read 0x1"]
        reasons = verdict(plan, said)
        self.assertEqual(len(reasons), 2, reasons)
        self.assertIn("attack mem-a ESCAPED", reasons[0])
        self.assertIn("the runner counts 2 attacks, 1 contained, 1 escaped", reasons[1])
        # hv's line missing; the parent's verdict missing; no battery line.
        self.assertEqual(len(verdict(plan, good[1:])), 2)
        self.assertEqual(len(verdict(plan, [good[0], good[2], good[3], good[4]])), 2)
        self.assertIn("no battery line", verdict(plan, good[:4])[0])
        with self.assertRaises(scn.ScenarioError):
            self.plan("attack a ^x\nattack a ^y\n")

    def test_endings(self) -> None:
        plan = self.plan("end ^hv: stop\n")
        self.assertEqual(verdict(plan, ["hv: stop"], "end-line"), [])
        self.assertIn("timeout after 60s", verdict(plan, [], "timeout")[0])
        self.assertIn("stopped before a line matched end", verdict(plan, [], "exit")[0])
        self.assertIn("without powering off", verdict(self.plan(""), [], "exit", powered_off=False)[0])


class HostJobTest(unittest.TestCase):
    """--host NAME=COMMAND: a command counted as one test among the boots."""

    def test_parse(self) -> None:
        job = jobs.parse_host_job("pty=python3 -m unittest -q 'a b.py'")
        self.assertEqual(job.name, "pty")
        self.assertEqual(job.command, ["python3", "-m", "unittest", "-q", "a b.py"])
        for bad in ("pty", "=true", "pty=  "):
            with self.assertRaises(ValueError):
                jobs.parse_host_job(bad)

    def test_pass_and_fail(self) -> None:
        import threading
        stop = threading.Event()
        ok = jobs.run_host_job(jobs.parse_host_job("ok=true"), 1.0, stop)
        self.assertEqual(ok.status, "pass")
        bad = jobs.run_host_job(jobs.parse_host_job("bad=sh -c 'echo boom; exit 3'"), 1.0, stop)
        self.assertEqual(bad.status, "fail")
        self.assertIn("exit status 3", bad.reasons[0])
        self.assertIn("| boom", bad.reasons)


class HelpersTest(unittest.TestCase):
    def test_longest_runs_first(self) -> None:
        one = boot.Job(scenario("engines bochs qemu-tcg\n"), "bochs")
        four = boot.Job(scenario("engines bochs\ncpus 4\n"), "bochs")
        qemu = boot.Job(one.scenario, "qemu-tcg")
        # Never seen: by engine, and a 4-CPU Bochs run counts for more.
        self.assertGreater(jobs.expected_duration(four, {}), jobs.expected_duration(one, {}))
        self.assertGreater(jobs.expected_duration(one, {}), jobs.expected_duration(qemu, {}))
        # Seen before: what it took then.
        self.assertEqual(jobs.expected_duration(one, {one.name: 3.5}), 3.5)

    def test_clean_line_drops_escape_sequences(self) -> None:
        self.assertEqual(serial.clean_line("\x1b[2J\x1b[01;01H\x1b[=3hhv: x\r"), "hv: x")

    def test_serial_reader_hands_out_complete_lines_only(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "log"
            reader = serial.SerialReader(path)
            self.assertEqual(reader.new_lines(), [])
            path.write_bytes(b"one\r\ntw")
            self.assertEqual(reader.new_lines(), ["one"])
            with open(path, "ab") as f:
                f.write(b"o\n")
            self.assertEqual(reader.new_lines(), ["two"])

    def test_typed_console(self) -> None:
        typed = [(re.compile("^ready$"), b"list\r"), (re.compile("^done$"), b"bye\r")]
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "log"
            console = boot.TypedConsole(log, typed)
            host, port = console.where.split(":")
            machine = socket.create_connection((host, int(port)))
            try:
                machine.sendall(b"ready\ndone\n")
                reader = serial.SerialReader(log)
                lines: list[str] = []
                for _ in range(100):  # the bytes take a moment to arrive
                    console.pump()
                    lines += reader.new_lines()
                    if len(lines) == 2:
                        break
                    time.sleep(0.01)
                self.assertEqual(lines, ["ready", "done"])
                # "done" came before "list" was typed: it sets nothing off.
                console.feed(lines)
                self.assertEqual(machine.recv(64), b"list\r")
                self.assertEqual(console.unsent(), ["typed input never sent: no line matched /^done$/"])
                console.feed(["done"])
                self.assertEqual(machine.recv(64), b"bye\r")
                self.assertEqual(console.unsent(), [])
            finally:
                machine.close()
                console.close()

    def test_with_interactive(self) -> None:
        text = "log_level = info\ninteractive = no\n\n[partition p]\ninteractive = no\n"
        out = run_console.with_interactive(text).splitlines()
        self.assertIn("interactive = yes", out)
        self.assertLess(out.index("interactive = yes"), out.index("[partition p]"))
        self.assertEqual(out.count("interactive = no"), 1)  # the section's own line stays
        self.assertEqual(run_console.with_interactive("a = 1").splitlines()[-1], "interactive = yes")


class EspTest(unittest.TestCase):
    """The ESP of a run: the scenario's changes (hvtest.esp), then the image
    tools/mkesp.sh makes of them (hvboot.esp)."""

    def build_dir(self, d: str) -> Path:
        build = Path(d) / "build"
        build.mkdir()
        (build / "BOOTX64.EFI").write_bytes(b"MZ loader")
        (build / "hv.elf").write_bytes(b"\x7fELF core")
        (build / "g.elf").write_bytes(b"guest")
        return build

    def test_scenario_changes_apply_to_copies(self) -> None:
        plan = scenario(
            "engines bochs\nesp-add build/g.elf:hv/g.elf\nesp-omit hv/hv.elf\n"
            "esp-corrupt EFI/BOOT/BOOTX64.EFI patch 0 5a4d\nesp-corrupt hv/g.elf truncate 2\n"
            "esp-corrupt hv/new.txt text hi\\n\n"
        ).plans["bochs"]
        with tempfile.TemporaryDirectory() as d:
            build = self.build_dir(d)
            work = Path(d) / "run"
            work.mkdir()
            files = esp.stage_esp(plan, build, work)
            self.assertEqual(sorted(files), ["EFI/BOOT/BOOTX64.EFI", "hv/g.elf", "hv/hv.conf", "hv/new.txt"])
            self.assertEqual(files["EFI/BOOT/BOOTX64.EFI"].read_bytes(), b"ZM loader")
            self.assertEqual(files["hv/g.elf"].read_bytes(), b"gu")
            self.assertEqual(files["hv/new.txt"].read_bytes(), b"hi\n")
            self.assertEqual(files["hv/hv.conf"].read_text(), (hvboot.DEFAULT_MANIFEST).read_text())
            # build/ itself is never touched.
            self.assertEqual((build / "BOOTX64.EFI").read_bytes(), b"MZ loader")
            self.assertEqual((build / "g.elf").read_bytes(), b"guest")
            bad = scenario("engines bochs\nesp-omit hv/none\n").plans["bochs"]
            with self.assertRaises(hvboot.SetupError):
                esp.stage_esp(bad, build, work)

    @unittest.skipUnless(shutil.which("mkfs.vfat") and shutil.which("mtype"), "needs dosfstools and mtools")
    def test_image_holds_the_files(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            build = self.build_dir(d)
            conf = Path(d) / "hv.conf"
            conf.write_text("log_level = info\n")
            files = dict(hvboot_esp.hv_files(build, conf), **{"hv/programs/g.elf": build / "g.elf"})
            image = Path(d) / "esp.img"
            hvboot_esp.make_esp(image, files)
            env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
            for dest, src in files.items():
                shown = subprocess.run(["mtype", "-i", str(image), f"::/{dest}"], env=env,
                                       capture_output=True, check=True).stdout
                self.assertEqual(shown, src.read_bytes(), dest)
            # A missing input is an error, never a file left out.
            with self.assertRaises(hvboot.SetupError) as caught:
                hvboot_esp.make_esp(Path(d) / "two.img", {"hv/x": Path(d) / "none"})
            self.assertIn("missing input", str(caught.exception))
            self.assertFalse((Path(d) / "two.img").exists())


class KernelEngineTest(unittest.TestCase):
    """qemu-kernel: QEMU's own multiboot loader, judged by isa-debug-exit."""

    def plan(self, body: str) -> scn.Plan:
        return scenario("engines qemu-kernel\n" + body).plans["qemu-kernel"]

    def test_directives(self) -> None:
        plan = self.plan(
            "kernel build/guest/tests/pc/k.elf\nkernel-cmdline a=1 b\n"
            "kernel-module build/m1\nkernel-module m2\nexit-status 67\n"
        )
        self.assertEqual(plan.kernel, "build/guest/tests/pc/k.elf")
        self.assertEqual(plan.kernel_cmdline, "a=1 b")
        self.assertEqual(plan.kernel_modules, ["build/m1", "m2"])
        self.assertEqual((plan.exit_status, plan.effective_timeout(1)), (67, 30))
        self.assertEqual(self.plan("kernel k\n").exit_status, 1)
        for text, message in [
            ("", "needs a 'kernel SRC' line"),
            ("kernel a b\n", "one SRC path"),
            ("kernel k\nexit-status 4\n", "odd and below 256"),
            ("kernel k\nexit-status 257\n", "odd and below 256"),
        ]:
            with self.assertRaises(scn.ScenarioError, msg=text) as caught:
                self.plan(text)
            self.assertIn(message, str(caught.exception))
        # Another engine of the same scenario needs no kernel line.
        s = scenario("engines bochs qemu-kernel\nqemu-kernel: kernel k\n")
        self.assertEqual(s.plans["bochs"].kernel, "")

    def spec(self, d: str, **kw) -> machines.MachineSpec:  # type: ignore[no-untyped-def]
        return machines.MachineSpec("qemu-kernel", Path(d), Path(d) / "esp.img", 1, 64,
                                    ("file", str(Path(d) / "log")), Path(d) / "b", **kw)

    def test_qemu_arguments(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            spec = self.spec(d, kernel=Path("/k.elf"), kernel_cmdline="x=1",
                             kernel_modules=[Path("/m1"), Path("/m2")])
            args = machines.qemu_kernel_args(spec)
            self.assertEqual(args[:4], ["-kernel", "/k.elf", "-append", "x=1"])
            self.assertEqual(args[args.index("-initrd") + 1], "/m1,/m2")
            self.assertEqual(args[-2:], ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"])
            self.assertNotIn("-initrd", machines.qemu_kernel_args(self.spec(d, kernel=Path("/k"))))
            with self.assertRaises(hvboot.SetupError):
                machines.qemu_kernel_args(self.spec(d, kernel=Path("/a,b")))

    def stopped(self, d: str, status: int, qmp: str = "") -> tuple[bool, str]:
        machine = object.__new__(machines.Machine)
        machine.spec = self.spec(d, kernel=Path("/k"), exit_status=67)
        machine.proc = subprocess.Popen(["sh", "-c", f"exit {status}"])
        machine.proc.wait()
        (Path(d) / "qmp.log").write_text(qmp)
        return machine.how_it_stopped()

    def test_how_it_stopped(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(self.stopped(d, 67), (True, "isa-debug-exit with status 67"))
            self.assertEqual(self.stopped(d, 3), (False, "isa-debug-exit with status 3, not 67"))
            reset = '{"event": "SHUTDOWN", "data": {"reason": "guest-reset"}}\n'
            self.assertFalse(self.stopped(d, 0, reset)[0])
            off = '{"event": "SHUTDOWN", "data": {"reason": "guest-shutdown"}}\n'
            self.assertEqual(self.stopped(d, 0, off)[0], False)
        plan = self.plan("kernel k\nexit-status 67\n")
        self.assertIn("did not end through isa-debug-exit with status 67",
                      verdict(plan, [], "exit", powered_off=False)[0])
        self.assertEqual(verdict(plan, [], "exit", powered_off=True), [])


class LayoutTest(unittest.TestCase):
    def test_no_python_module_over_600_lines(self) -> None:
        repo = hvboot.REPO
        long = []
        for top in ("tests", "tools"):
            for path in (repo / top).rglob("*.py"):
                lines = len(path.read_text().splitlines())
                if lines > 600:
                    long.append(f"{path.relative_to(repo)}: {lines} lines")
        self.assertEqual(long, [])


if __name__ == "__main__":
    unittest.main()
