"""Exercises the standard library modules a sandboxed script typically uses; output is exact."""
import csv
import datetime
import decimal
import hashlib
import io
import json
import pathlib
import re
import shutil
import tempfile
import zlib

print(json.dumps({"b": [1, 2.5, None], "a": "x"}, sort_keys=True))
print(re.sub(r"(\d+)", lambda m: str(int(m.group(1)) * 2), "a1 b22 c333"))
decimal.getcontext().prec = 30
print(decimal.Decimal(1) / decimal.Decimal(7))
print(hashlib.sha256(b"hyperlight").hexdigest())
print(zlib.crc32(zlib.decompress(zlib.compress(b"x" * 1000))))
print(datetime.date(2024, 2, 28) + datetime.timedelta(days=2))
out = io.StringIO()
csv.writer(out).writerows([["name", "n"], ["a,b", 1]])
print(out.getvalue().strip().replace("\r\n", "|"))
with tempfile.TemporaryDirectory() as d:
    root = pathlib.Path(d)
    (root / "sub").mkdir()
    (root / "sub" / "f.txt").write_text("hello")
    shutil.copyfile(root / "sub" / "f.txt", root / "copy.txt")
    shutil.move(str(root / "copy.txt"), str(root / "moved.txt"))
    print(sorted(p.name for p in root.iterdir()), (root / "moved.txt").read_text())
    shutil.rmtree(root / "sub")
    print(sorted(p.name for p in root.iterdir()))
