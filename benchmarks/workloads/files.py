"""File-heavy: creates, writes, lists, stats, reads back and deletes 200 small files in /tmp."""
import os
import tempfile

FILES = 200
BLOCK = bytes(range(256)) * 16  # 4 KiB

root = tempfile.mkdtemp(prefix="files-bench-", dir="/tmp")
for i in range(FILES):
    with open(os.path.join(root, f"file-{i:04d}.bin"), "wb") as f:
        f.write(BLOCK)
        f.write(str(i).encode())

names = sorted(os.listdir(root))
total = sum(os.stat(os.path.join(root, name)).st_size for name in names)
checksum = 0
for name in names:
    with open(os.path.join(root, name), "rb") as f:
        checksum = (checksum * 31 + sum(f.read()[-8:])) % 1_000_003
for name in names:
    os.remove(os.path.join(root, name))
os.rmdir(root)
print(f"{len(names)} files, {total} bytes, checksum {checksum}")
