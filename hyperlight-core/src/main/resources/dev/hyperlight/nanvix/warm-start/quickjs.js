// hyperlight-nanvix warm start: a template runs this with `qjs --std -e STUB [PRELOAD]`, runs
// the preload code if there is one, and is captured at its first read of fd 3; each clone answers that read with its own start message (NUL-separated:
// version, mode "script" or "code", target, then counted lists: scriptArgs, environment, the
// original command line, then 32 hex digits of fresh randomness) and this becomes that run, as
// `qjs --std SCRIPT ARGS` or `qjs --std -e CODE ARGS` would have been.
(function () {
    if (scriptArgs.length > 0) {
        (0, eval)(scriptArgs[0]);
    }
    var file = std.fdopen(3, "r");
    var fields = file.readAsString().split("\0");
    file.close();
    var next = 0;
    function field() {
        return fields[next++];
    }
    function strings() {
        var count = Number(field());
        var list = [];
        for (var i = 0; i < count; i++) {
            list.push(field());
        }
        return list;
    }
    if (field() !== "hyperlight-start-1") {
        std.err.puts("hyperlight-nanvix: unknown start message\n");
        std.exit(1);
    }
    var mode = field();
    var target = field();
    var args = strings();
    var environment = strings();
    strings(); // the original command line: qjs keeps none
    var seed = field();

    Object.keys(std.getenviron()).forEach(function (name) {
        std.unsetenv(name);
    });
    environment.forEach(function (entry) {
        var equals = entry.indexOf("=");
        std.setenv(entry.slice(0, equals), entry.slice(equals + 1));
    });
    globalThis.scriptArgs = args;
    // QuickJS seeds Math.random once per context, before the capture: every clone would draw
    // the same numbers. An xorshift128 generator seeded from the host's randomness replaces it.
    var state = [0, 8, 16, 24].map(function (at) {
        return parseInt(seed.slice(at, at + 8), 16) >>> 0;
    });
    if (state.every(function (word) { return word === 0; })) {
        state[0] = 1;
    }
    function next32() {
        var t = state[3];
        var s = state[0];
        state[3] = state[2];
        state[2] = state[1];
        state[1] = s;
        t ^= t << 11;
        t ^= t >>> 8;
        state[0] = (t ^ s ^ (s >>> 19)) >>> 0;
        return state[0];
    }
    Math.random = function random() {
        return ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
    };

    try {
        if (mode === "script") {
            std.loadScript(target);
        } else {
            (0, eval)(target);
        }
    } catch (error) {
        // As qjs reports an uncaught exception, without this stub's frames.
        var report = String(error) + "\n";
        if (error instanceof Error && error.stack !== undefined) {
            var frames = String(error.stack).split("\n");
            var stub = frames.findIndex(function (line) {
                return line.indexOf("(<cmdline>:") >= 0;
            });
            if (stub > 0 && /^ *at (loadScript|eval) \(native\)$/.test(frames[stub - 1])) {
                stub--;
            }
            if (stub >= 0) {
                frames = frames.slice(0, stub);
                frames.push("");
            }
            report += frames.join("\n").split("(<input>").join("(<cmdline>") + "\n";
        }
        std.err.puts(report);
        std.exit(1);
    }
})();
