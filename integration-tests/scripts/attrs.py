import os, stat, shutil
p = "/tmp/attrs.txt"
with open(p, "w") as f:
    f.write("x")
os.chmod(p, 0o600)
print(oct(stat.S_IMODE(os.stat(p).st_mode)))
os.utime(p, (1_000_000_000, 1_200_000_000))
st = os.stat(p)
print(int(st.st_atime), int(st.st_mtime))
shutil.copy2(p, "/tmp/copy.txt")
c = os.stat("/tmp/copy.txt")
print(oct(stat.S_IMODE(c.st_mode)), int(c.st_mtime))
try:
    os.chmod("/usr/bin/python3.11", 0o777)
except OSError as e:
    print("read-only:", e.errno)
