// Runs a Python script in WebAssembly: CPython on Pyodide, in a fresh node process per run.
//   node python.mjs SCRIPT [ARGS...]   (from a directory whose node_modules has pyodide)
// Files the script writes go to Pyodide's in-memory file system, not to the host.
import { loadPyodide } from "pyodide";
import { readFileSync } from "node:fs";

const [script, ...args] = process.argv.slice(2);
const pyodide = await loadPyodide();
pyodide.runPython(`import sys; sys.argv = ${JSON.stringify([script, ...args])}`);
try {
    pyodide.runPython(readFileSync(script, "utf8"), { filename: script });
} catch (error) {
    console.error(String(error));
    process.exit(1);
}
