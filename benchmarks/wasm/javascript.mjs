// Runs a JavaScript file in WebAssembly: QuickJS compiled by Emscripten (quickjs-emscripten), in
// a fresh node process per run. Gives the script console.log and scriptArgs, as `qjs --std` does.
//   node javascript.mjs SCRIPT [ARGS...]   (from a directory whose node_modules has quickjs-emscripten)
import { getQuickJS } from "quickjs-emscripten";
import { readFileSync } from "node:fs";

const [script, ...args] = process.argv.slice(2);
const QuickJS = await getQuickJS();
const vm = QuickJS.newContext();

const consoleObject = vm.newObject();
const log = vm.newFunction("log", (...handles) => {
    console.log(handles.map((handle) => String(vm.dump(handle))).join(" "));
});
vm.setProp(consoleObject, "log", log);
vm.setProp(vm.global, "console", consoleObject);
log.dispose();
consoleObject.dispose();
vm.unwrapResult(vm.evalCode(`globalThis.scriptArgs = ${JSON.stringify([script, ...args])};`)).dispose();

const result = vm.evalCode(readFileSync(script, "utf8"), script);
if (result.error) {
    console.error("error:", vm.dump(result.error));
    result.error.dispose();
    vm.dispose();
    process.exit(1);
}
result.value.dispose();
vm.dispose();
