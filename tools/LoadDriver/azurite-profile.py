#!/usr/bin/env python3
"""Reads a V8 CPU profile of Azurite (BK_AZURITE_CPU_PROFILE=<folder> on a load-driver run).

  azurite-profile.py PROFILE            busy share of each second (to find the phases)
  azurite-profile.py PROFILE FROM TO    functions by self and inclusive time between FROM and TO seconds
"""
import collections
import json
import sys


def main():
    profile = json.load(open(sys.argv[1]))
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}

    def name(node):
        frame = node["callFrame"]
        return f"{frame['functionName'] or '(anonymous)'} {frame['url'].split('/')[-1]}:{frame['lineNumber']}"

    start = profile["startTime"]
    samples, at = [], start
    for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
        at += delta
        samples.append(((at - start) / 1e6, sample, delta))

    if len(sys.argv) < 4:
        busy = collections.defaultdict(lambda: [0, 0])
        for second, sample, delta in samples:
            busy[int(second)][1] += delta
            if not name(nodes[sample]).startswith("(idle)"):
                busy[int(second)][0] += delta
        print(" ".join(f"{s}:{b / max(1, t):.2f}" for s, (b, t) in sorted(busy.items())))
        return

    low, high = float(sys.argv[2]), float(sys.argv[3])
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    for second, sample, delta in samples:
        if not low <= second < high:
            continue
        total += delta
        own[name(nodes[sample])] += delta
        seen, node = set(), sample
        while node is not None:
            label = name(nodes[node])
            if label not in seen:
                inclusive[label] += delta
                seen.add(label)
            node = parent.get(node)

    print(f"{total / 1000:.0f} ms sampled")
    for label, value in own.most_common(25):
        print(f"self      {value / 1000:8.0f} ms {100 * value / total:5.1f}%  {label}")
    for label, value in inclusive.most_common(80):
        print(f"inclusive {value / 1000:8.0f} ms {100 * value / total:5.1f}%  {label}")


if __name__ == "__main__":
    main()
