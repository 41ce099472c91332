#!/usr/bin/env python3
"""The Containerfile's runtime stage installs exactly the packages of the libraries gantry links.

Reads the NEEDED entries of the built binary (readelf -d), finds the Debian package of each
(dpkg -S on the path ldd resolves), and compares them with the runtime stage's apt-get
install list, both ways: a new link dependency without its package would make the image
fail at start-up ("error while loading shared libraries"), and a package nothing needs only
makes the image bigger. ca-certificates is the one exception: not linked, but read by
libcurl for TLS to AWS.

Usage: containerfile_libs_test.py <gantry binary> <source root>
"""
import re
import subprocess
import sys
from pathlib import Path

NOT_LINKED = {"ca-certificates": "the CA bundle libcurl verifies AWS endpoints with"}
# Sanitizer runtimes come from a sanitizer build of the tests, never from the image's.
SANITIZER = re.compile(r"^lib(asan|ubsan|tsan|lsan)\.so")


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def needed_packages(binary):
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", run("readelf", "-d", binary))
    resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", run("ldd", binary), re.M))
    packages = {}
    for soname in needed:
        if SANITIZER.match(soname):
            continue
        path = resolved.get(soname)
        if path is None:
            sys.exit(f"FAIL: ldd does not resolve {soname}")
        # dpkg knows a file under the path it shipped it at: /lib or /usr/lib (merged /usr).
        candidates = {path, re.sub(r"^/usr/lib/", "/lib/", path), re.sub(r"^/lib/", "/usr/lib/", path)}
        for candidate in candidates:
            out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if out.returncode == 0:
                packages[out.stdout.split(":")[0]] = soname
                break
        else:
            sys.exit(f"FAIL: no Debian package owns {path} ({soname})")
    return packages


def runtime_install_list(containerfile):
    text = containerfile.read_text()
    stage = re.search(r"^FROM \S+ AS runtime\n(.*?)(?=^FROM |\Z)", text, re.M | re.S)
    if not stage:
        sys.exit("FAIL: Containerfile has no `FROM ... AS runtime` stage")
    install = re.search(r"apt-get install -y --no-install-recommends (.*?)(?:&&|$)",
                        stage.group(1).replace("\\\n", " "), re.S)
    if not install:
        sys.exit("FAIL: the runtime stage has no apt-get install")
    return set(install.group(1).split())


def main():
    binary, root = sys.argv[1], Path(sys.argv[2])
    linked = needed_packages(binary)
    listed = runtime_install_list(root / "Containerfile")
    errors = [f"gantry links {soname} (package {pkg}), which the runtime stage does not install"
              for pkg, soname in sorted(linked.items()) if pkg not in listed]
    errors += [f"the runtime stage installs {pkg}, which gantry does not link"
               for pkg in sorted(listed - linked.keys() - NOT_LINKED.keys())]
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"ok: runtime packages = linked {sorted(linked)} + {sorted(NOT_LINKED)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
