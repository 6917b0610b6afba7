#!/usr/bin/python3
"""docs.coverage: the documentation keeps every fact the daemon has.

    tests/docs/coverage.py HELLOD SOURCE_DIR

- every long option `hellod --help` lists is in docs/configuration.md and in docs/hellod.8;
- every exit code daemon/app/fatal_error.hpp defines is in docs/configuration.md;
- every json field name the daemon's log writes (the keys given to add_string/add_number in
  daemon/log/line_format.cpp and to text_field/number_field/seconds_field anywhere in daemon/)
  is in docs/operations.md and in docs/hellod.8;
- every relative link and #anchor in README.md and docs/*.md resolves (GitHub's anchor rules).
Ends with "N passed, N failed".
"""
import pathlib
import re
import subprocess
import sys

if len(sys.argv) != 3:
    print(__doc__, file=sys.stderr)
    sys.exit(64)
hellod, root = sys.argv[1], pathlib.Path(sys.argv[2])
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def text(path):
    return (root / path).read_text(encoding="utf-8")


configuration = text("docs/configuration.md")
operations = text("docs/operations.md")
# The man page with groff's escaped hyphens and font changes read as plain text.
man = re.sub(r"\\f[BIRP]|\\", "", text("docs/hellod.8"))

help_text = subprocess.run([hellod, "--help"], capture_output=True, text=True, timeout=30,
                           check=True).stdout
options = sorted(set(re.findall(r"(--[a-z][a-z-]+)", help_text)))
check(len(options) > 20, f"--help lists only {len(options)} options")
for option in options:
    check(f"`{option}" in configuration, f"{option} is not in docs/configuration.md")
    check(option in man, f"{option} is not in docs/hellod.8")

codes = re.findall(r"inline constexpr int \w+ = (\d+);", text("daemon/app/fatal_error.hpp"))
check(len(codes) > 5, f"fatal_error.hpp defines only {codes}")
for code in codes:
    check(re.search(rf"^\| {code}\b", configuration, re.M) is not None,
          f"exit code {code} is not in docs/configuration.md's table")

fields = set(re.findall(r'add_(?:string|number)\(line, "(\w+)"',
                        text("daemon/log/line_format.cpp")))
for source in (root / "daemon").rglob("*.cpp"):
    fields |= set(re.findall(r'(?:text|number|seconds)_field\(\s*"(\w+)"',
                             source.read_text(encoding="utf-8")))
# Keys given through a variable (refusal_fields' "peer"/"balancer" and "reason"/"problem").
fields |= {"peer", "balancer", "reason", "problem"}
check(len(fields) > 20, f"found only {len(fields)} log fields")
for field in sorted(fields):
    check(f"`{field}`" in operations, f"log field {field} is not in docs/operations.md")
    check(field in man, f"log field {field} is not in docs/hellod.8")


def anchors(markdown):
    out = set()
    for heading in re.findall(r"^#{1,6} (.*)$", markdown, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


pages = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
for page in pages:
    body = page.read_text(encoding="utf-8")
    # Code spans and blocks hold no links.
    body_links = re.sub(r"```.*?```", "", body, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", body_links):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(root)}: link {target}"
        if not dest.exists():
            check(False, f"{where}: no such file")
            continue
        if anchor and dest.suffix == ".md":
            check(anchor in anchors(dest.read_text(encoding="utf-8")), f"{where}: no such anchor")
        else:
            check(True, where)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
