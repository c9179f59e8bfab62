# hyperlight-nanvix warm start: a template runs this with `python3 -c STUB [PRELOAD]`, runs the
# preload code if there is one, and is captured at its first read of fd 3; each clone answers that read with its own start message (NUL-separated:
# version, mode "script" or "code", target, then counted lists: sys.argv, environment, the
# original command line) and this becomes that run, as `python3 SCRIPT ARGS` or
# `python3 -c CODE ARGS` would have been.
def _hyperlight_start():
    import os
    import sys

    if len(sys.argv) > 1:
        exec(compile(sys.argv[1], "<preload>", "exec", dont_inherit=True), {"__name__": "__preload__"})
    chunks = []
    while True:
        chunk = os.read(3, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(3)
    fields = iter(b"".join(chunks).split(b"\0"))
    if next(fields) != b"hyperlight-start-1":
        sys.exit("hyperlight-nanvix: unknown start message")
    mode = next(fields)
    target = next(fields)

    def strings():
        return [os.fsdecode(next(fields)) for _ in range(int(next(fields)))]

    argv = strings()
    environment = strings()
    sys.orig_argv = strings()
    main = sys.modules["__main__"]
    del main._hyperlight_start

    os.environ.clear()
    for entry in environment:
        name, _, value = entry.partition("=")
        os.environ[name] = value
    sys.argv = argv
    # State drawn from randomness before the capture must not repeat across clones.
    if "random" in sys.modules:
        sys.modules["random"].seed()
    if "tempfile" in sys.modules:
        sys.modules["tempfile"]._name_sequence = None
    site = sys.modules.get("site")
    if site is not None and site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        site.addsitedir(site.getusersitepackages())

    if mode == b"script":
        path = os.fsdecode(target)
        sys.path[0] = os.path.dirname(os.path.realpath(path))
        with open(path, "rb") as file:
            source = file.read()
        main.__file__ = path
        main.__cached__ = None
        main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
        name = path
    else:
        source = os.fsdecode(target)
        name = "<string>"
    try:
        exec(compile(source, name, "exec", dont_inherit=True), main.__dict__)
    except SystemExit:
        raise
    except BaseException as error:
        # As the interpreter reports an uncaught exception, without this function's frame.
        traceback = error.__traceback__.tb_next if error.__traceback__ is not None else None
        sys.excepthook(type(error), error.with_traceback(traceback), traceback)
        sys.exit(1)


_hyperlight_start()
