#!/usr/bin/env python3
"""Checks that no folder of the code includes a folder that includes it back (directly or through
others): the include graph between areas (src/<area>, include/kepu15/<area>) has no cycle.
Prints the graph; exits 1 with the cycle when there is one. Run by CTest."""
import os
import re
import sys
from collections import defaultdict

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
deps = defaultdict(set)
for base in ("src", os.path.join("include", "kepu15")):
    for dirpath, _, files in os.walk(os.path.join(root, base)):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, os.path.join(root, base))
            area = rel.split(os.sep)[0] if os.sep in rel else "(top)"
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = re.match(r'\s*#include "kepu15/([^"]+)"', line)
                    if not m:
                        continue
                    target = m.group(1).split("/")[0] if "/" in m.group(1) else "(top)"
                    if target != area:
                        deps[area].add(target)

for area in sorted(deps):
    print(f"{area} -> {', '.join(sorted(deps[area]))}")

state = {}
def visit(area, stack):
    state[area] = "open"
    for nxt in sorted(deps.get(area, ())):
        if state.get(nxt) == "open":
            cycle = stack[stack.index(nxt):] + [nxt]
            print("include cycle between folders: " + " -> ".join(cycle))
            sys.exit(1)
        if nxt not in state:
            visit(nxt, stack + [nxt])
    state[area] = "done"

for area in sorted(deps):
    if area not in state:
        visit(area, [area])
print("no include cycle between folders")
