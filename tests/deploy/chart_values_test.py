#!/usr/bin/env python3
"""Every `gantry controller` flag has a value in the chart, with the binary's default, and the
chart's appVersion (the default image tag) is the binary's version.

The flags are read from `gantry controller -h`, so a new flag without a value in
deploy/helm/gantry/values.yaml (settings.<camelCasedFlag>) fails here, and so does a value
left behind by a removed flag. That the Deployment passes each value on is checked by
chart_render_test.py, which needs helm.

Usage: chart_values_test.py <gantry binary> <source root>
"""
import re
import subprocess
import sys
from pathlib import Path

import yaml

# Not settings: --help is an action. Deprecated aliases (help starting "DEPRECATED") are
# skipped too: the chart sets the flag they alias.
NOT_SETTINGS = {"help"}
# Where the chart's default differs from the binary's, and why.
CHART_DEFAULTS = {"leaderElect": True}  # two replicas: only the Lease holder may act

FLAG_LINE = re.compile(r"^\s+--([a-z0-9-]+)( VALUE)?\s+(.*)$")
DEFAULT = re.compile(r"\(default ([^)]+)\)$")


def camel(flag):
    head, *rest = flag.split("-")
    return head + "".join(word.capitalize() for word in rest)


def controller_flags(binary):
    out = subprocess.run([binary, "controller", "-h"], capture_output=True, text=True, check=True).stdout
    flags = {}
    for line in out.splitlines():
        if m := FLAG_LINE.match(line):
            default = DEFAULT.search(m.group(3))
            if m.group(3).startswith("DEPRECATED"):
                continue
            flags[m.group(1)] = (bool(m.group(2)), default.group(1) if default else None)
    return flags


def main():
    binary, root = sys.argv[1], Path(sys.argv[2])
    settings = yaml.safe_load((root / "deploy/helm/gantry/values.yaml").read_text())["settings"]
    flags = controller_flags(binary)
    if len(flags) < 10:
        sys.exit(f"FAIL: read only {len(flags)} flags from `gantry controller -h`: has its format changed?")
    errors = []
    expected = set()
    for flag, (takes_value, default) in sorted(flags.items()):
        if flag in NOT_SETTINGS:
            continue
        key = camel(flag)
        expected.add(key)
        if key not in settings:
            errors.append(f"--{flag} has no value: add settings.{key} to deploy/helm/gantry/values.yaml "
                          "(and pass it on in templates/_helpers.tpl)")
            continue
        value = settings[key]
        if key in CHART_DEFAULTS:
            want = CHART_DEFAULTS[key]
        elif not takes_value:
            want = False
        else:
            want = default if default is not None else ""
        if not takes_value and not isinstance(value, bool):
            errors.append(f"settings.{key}: --{flag} is a switch, so true or false, not {value!r}")
        elif str(value) != str(want):
            errors.append(f"settings.{key} is {value!r}, but the default to keep is {want!r} "
                          f"(`gantry controller -h`, or CHART_DEFAULTS here)")
    for key in sorted(settings.keys() - expected):
        errors.append(f"settings.{key} matches no flag of `gantry controller -h`")
    # The image tag defaults to appVersion: it must name the image of this binary.
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    chart = yaml.safe_load((root / "deploy/helm/gantry/Chart.yaml").read_text())
    if str(chart["appVersion"]) != version:
        errors.append(f"deploy/helm/gantry/Chart.yaml appVersion {chart['appVersion']} is not the binary's "
                      f"version {version} (the default image tag)")
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"ok: {len(expected)} flags, each with its value in settings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
