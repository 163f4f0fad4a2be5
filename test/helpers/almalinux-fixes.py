"""Independent oracle for test/gate.test.ts: the AlmaLinux OSV fixes for named binary rpms.

Reads the OSV records straight from the AlmaLinux tarball and orders builds with python3-rpm's labelCompare; it shares
no code with Patchline. Non-modular builds only (the packages asked about are not modular).

Usage: /usr/bin/python3 almalinux-fixes.py TARBALL MAJOR NAME[=EVR] [...]
  -> JSON {name: {"newest": evr, "newestId": id, "fixes": [[id, fixed evr, published], ...] oldest build first,
                  "missing": [[id, published], ...]}}
"missing" (with =EVR): the advisories whose every fixed build of NAME is newer than EVR (a package lacks an advisory
when it is below every build the advisory lists for it).
"""
import functools
import json
import sys
import tarfile

import rpm

tarball, major = sys.argv[1], sys.argv[2]
installed = dict((arg.split("=", 1) + [None])[:2] for arg in sys.argv[3:])
names = list(installed)
ecosystem = "AlmaLinux:" + major


def split_evr(text):
    epoch, _, rest = text.rpartition(":")
    version, _, release = rest.rpartition("-")
    return (epoch or "0", version, release)


result = {name: {"newest": None, "newestId": None, "fixes": [], "missing": []} for name in names}
with tarfile.open(tarball) as archive:
    for member in archive:
        if not member.isfile() or not member.name.endswith(".json"):
            continue
        record = json.load(archive.extractfile(member))
        if record.get("withdrawn"):
            continue
        builds = {}  # name -> the fixed builds this record lists for it
        for affected in record.get("affected", []):
            package = affected.get("package", {})
            if package.get("ecosystem") != ecosystem or package.get("name") not in result:
                continue
            for range_ in affected.get("ranges", []):
                for event in range_.get("events", []):
                    fixed = event.get("fixed")
                    if not fixed or ".module" in fixed:
                        continue
                    entry = result[package["name"]]
                    entry["fixes"].append([record["id"], fixed, record.get("published")])
                    builds.setdefault(package["name"], []).append(fixed)
                    if entry["newest"] is None or rpm.labelCompare(split_evr(fixed), split_evr(entry["newest"])) > 0:
                        entry["newest"] = fixed
                        entry["newestId"] = record["id"]
        for name, fixed in builds.items():
            evr = installed[name]
            if evr and all(rpm.labelCompare(split_evr(evr), split_evr(build)) < 0 for build in fixed):
                result[name]["missing"].append([record["id"], record.get("published")])
by_build = functools.cmp_to_key(lambda a, b: rpm.labelCompare(split_evr(a[1]), split_evr(b[1])))
for entry in result.values():
    entry["fixes"].sort(key=by_build)  # oldest build first
print(json.dumps(result))
