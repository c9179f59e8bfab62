// File operations with QuickJS's std and os modules, in the run's private /tmp.

const path = "/tmp/file_ops.txt";

// Write.
const out = std.open(path, "w");
if (!out) throw new Error(`cannot create ${path}`);
out.puts("first line\n");
out.printf("%s number %d\n", "line", 2);
out.close();
console.log(`wrote ${path}`);

// Read it back.
const text = std.loadFile(path);
console.log(`read ${text.length} bytes:`);
std.out.puts(text);

// Append, then read line by line.
const appender = std.open(path, "a");
appender.puts("appended\n");
appender.close();
const reader = std.open(path, "r");
let lines = 0;
for (let line = reader.getline(); line !== null; line = reader.getline()) lines++;
reader.close();
console.log(`${lines} lines after appending`);

// Stat.
const [st, statError] = os.stat(path);
if (statError !== 0) throw new Error(`stat failed: ${std.strerror(statError)}`);
console.log(`size ${st.size} bytes, regular file: ${(st.mode & os.S_IFMT) === os.S_IFREG}`);

// List /tmp.
const [names] = os.readdir("/tmp");
console.log(`/tmp holds: ${names.filter((n) => n !== "." && n !== "..").sort().join(", ")}`);

// Remove.
if (os.remove(path) !== 0) throw new Error(`cannot remove ${path}`);
const [, gone] = os.stat(path);
console.log(`removed: ${gone === std.Error.ENOENT}`);
