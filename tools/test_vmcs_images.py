# SPDX-License-Identifier: MIT
"""Tests of tools/vmcs_images.py: whole images come out by name, broken
records are refused."""

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vmcs_images  # noqa: E402

IMAGE = ["vmcheck-image 1", "caps basic=12", "fields 681e=200000", "end"]


def rec(tag: str, text: str) -> str:
    return f"hv: vmcs-record {tag}: {text}"


class Images(unittest.TestCase):
    def test_interleaved_records(self):
        lines = ["[a] hello"]
        for a, b in zip(IMAGE, IMAGE):
            lines += [rec("a/0/first", a), "hv: other", rec("b/1/user", b)]
        found = vmcs_images.images(lines)
        self.assertEqual(found[("a", "0", "first")], IMAGE)
        self.assertEqual(found[("b", "1", "user")], IMAGE)
        self.assertEqual(len(found), 2)

    def test_escapes_and_cr_removed(self):
        lines = ["\x1b[0m" + rec("a/0/first", t) + "\r" for t in IMAGE]
        self.assertEqual(vmcs_images.images(lines)[("a", "0", "first")],
                         IMAGE)

    def test_unfinished(self):
        with self.assertRaisesRegex(vmcs_images.ImageError, "no end line"):
            vmcs_images.images([rec("a/0/first", t) for t in IMAGE[:-1]])

    def test_twice(self):
        lines = [rec("a/0/first", t) for t in IMAGE] * 2
        with self.assertRaisesRegex(vmcs_images.ImageError, "twice"):
            vmcs_images.images(lines)

    def test_bad_start(self):
        with self.assertRaisesRegex(vmcs_images.ImageError, "starts with"):
            vmcs_images.images([rec("a/0/first", "fields 1=2")])

    def test_files_written(self):
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "vmcheck.bochs.log"
            log.write_text("\n".join(rec("kern/0/user", t) for t in IMAGE))
            out = Path(d) / "out"
            self.assertEqual(vmcs_images.main(["--out", str(out), str(log)]),
                             0)
            self.assertEqual((out / "vmcheck-kern-0-user.vmcs").read_text(),
                             "\n".join(IMAGE) + "\n")

    def test_no_image_fails(self):
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "x.log"
            log.write_text("hv: power off\n")
            self.assertEqual(
                vmcs_images.main(["--out", str(Path(d) / "o"), str(log)]), 1)


if __name__ == "__main__":
    unittest.main()
