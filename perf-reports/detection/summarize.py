#!/usr/bin/python3
"""Counts the flagged runs of perf-reports/detection/run.sh and writes detection.json (verdicts, ratios, samples)."""
import json, os, sys

root, runs, out, extra = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else ""
report = {"command": "perf-reports/detection/run.sh %d %s" % (runs, extra), "kernels": None, "runs": {}}
for kind in ("slow", "self"):
    rows = []
    for i in range(1, runs + 1):
        d = os.path.join(root, "%s-%d" % (kind, i))
        cmp = json.load(open(os.path.join(d, "compare.json")))
        a = json.load(open(os.path.join(d, "a.json")))["results"]
        b = json.load(open(os.path.join(d, "b.json")))["results"]
        rows.append({
            "flagged": cmp["regressed"],
            "kernels": [{k: x[k] for k in ("kernel", "variant", "ratio", "ci_low", "ci_high", "p", "verdict")} for x in cmp["kernels"]],
            "samples_a": {r["variant"]: r["samples"] for r in a},
            "samples_b": {r["variant"]: r["samples"] for r in b},
        })
        report["kernels"] = [x["variant"] for x in cmp["kernels"]]
        report["threshold"], report["alpha"] = cmp["threshold"], cmp["alpha"]
    report["runs"][kind] = rows
slow = sum(r["flagged"] for r in report["runs"]["slow"])
self_ = sum(r["flagged"] for r in report["runs"]["self"])
report["summary"] = {
    "slowdown_flagged": "%d of %d" % (slow, runs),
    "self_flagged": "%d of %d" % (self_, runs),
    "slowdown_flagged_per_kernel": {v: sum(any(k["variant"] == v and k["verdict"] == "slower" for k in r["kernels"]) for r in report["runs"]["slow"])
                                    for v in report["kernels"]},
    "median_ratio_slowdown": {v: sorted(k["ratio"] for r in report["runs"]["slow"] for k in r["kernels"] if k["variant"] == v)[runs // 2]
                              for v in report["kernels"]},
    "median_ratio_self": {v: sorted(k["ratio"] for r in report["runs"]["self"] for k in r["kernels"] if k["variant"] == v)[runs // 2]
                          for v in report["kernels"]},
}
with open(out + ".tmp", "w") as f:
    json.dump(report, f, indent=1)
    f.write("\n")
os.replace(out + ".tmp", out)
print(json.dumps(report["summary"], indent=1))
print("wrote", out)
