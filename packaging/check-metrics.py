#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The parts of selftests/qemu/check.sh's metrics step that are not
Prometheus's own tools (promtool, prometheus-node-exporter): the guest's
artifact blocks, a scrape matched against the guest's expectations, the
command the guest ran against the unit's ExecStart, and the dashboard's
queries. Standard library only.

  check-metrics.py extract ARTIFACTS DIR    the blocks, one file each in DIR
  check-metrics.py labels PROM              the labels doc/metrics.md says
  check-metrics.py served PROM SCRAPE       every sample of PROM is in SCRAPE
  check-metrics.py expect SCRAPE EXPECT     each EXPECT line matches a series
  check-metrics.py command COMMAND UNIT     COMMAND runs UNIT's ExecStart
  check-metrics.py names PROM_C FILE...     every listenq_* name FILEs use is
                                            one that tools/prom.c writes
  check-metrics.py dashboard JSON RULES     the dashboard's shape; its queries
                                            as recording rules, for promtool

Each prints what it found (one line, or one line per problem) and exits 0
when the check passes, 1 when it fails, 2 on a usage error.
"""
import json
import math
import os
import re
import shlex
import sys

NAME_RE = re.compile(r"[A-Za-z0-9._-]+$")


def fail(msg):
    print(msg)
    sys.exit(1)


# --- artifacts --------------------------------------------------------------
def extract(artifacts, outdir):
    """Blocks "--- listenq-artifact NAME" ... "--- end NAME" from the guest's
    third serial port (CR LF line ends: a tty). A later block of the same
    name replaces an earlier one; a block with no end line is not written."""
    try:
        with open(artifacts, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        fail(f"cannot read {artifacts}: {e.strerror}")
    os.makedirs(outdir, exist_ok=True)
    name, body, done, unterminated = None, [], [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if name is None:
            m = re.fullmatch(r"--- listenq-artifact (\S+)", line)
            if m:
                if not NAME_RE.match(m.group(1)) or m.group(1) in (".", ".."):
                    fail(f"{artifacts}: bad artifact name {m.group(1)!r}")
                name, body = m.group(1), []
            continue
        if line == f"--- end {name}":
            with open(os.path.join(outdir, name), "w") as f:
                f.write("".join(x + "\n" for x in body))
            done.append(name)
            name = None
        else:
            body.append(line)
    if name is not None:
        unterminated.append(name)
    names = sorted(set(done))
    print(" ".join(names) if names else "no blocks" +
          (f"; unterminated: {' '.join(unterminated)}" if unterminated else ""))
    sys.exit(0 if names and not unterminated else 1)


# --- the text exposition format ------------------------------------------------
def parse_labels(s, i, where):
    """Labels from s[i] == '{' to the closing '}': (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(s, i)
        if not m:
            raise ValueError(f"{where}: bad label name at {s[i:i + 20]!r}")
        key = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ValueError(f"{where}: expected =\" after {key}")
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ValueError(f"{where}: unterminated value of {key}")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                val.append({"n": "\n", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        labels[key] = "".join(val)
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == ",":
            i += 1


def parse_value(v, where):
    try:
        return float(v)
    except ValueError:
        raise ValueError(f"{where}: bad value {v!r}") from None


def parse_sample(line, where):
    """name{labels} value [timestamp] -> (name, labels, value)."""
    m = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*").match(line)
    if not m:
        raise ValueError(f"{where}: bad metric name in {line[:40]!r}")
    name, i = m.group(0), m.end()
    labels = {}
    if i < len(line) and line[i] == "{":
        labels, i = parse_labels(line, i, where)
    rest = line[i:].split()
    if not rest or len(rest) > 2:
        raise ValueError(f"{where}: expected a value after {name}")
    return name, labels, parse_value(rest[0], where)


def parse_exposition(path):
    samples = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            samples.append(parse_sample(line, f"{path}:{n}"))
    return samples


def key(name, labels):
    # To Prometheus an empty label is no label.
    return name, tuple(sorted((k, v) for k, v in labels.items() if v != ""))


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def fmt(name, labels):
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def served(prom, scrape):
    """Every sample of the file is in the scrape, with its value."""
    try:
        want, got = parse_exposition(prom), parse_exposition(scrape)
    except (OSError, ValueError) as e:
        fail(str(e))
    have = {key(n, lb): v for n, lb, v in got}
    bad, seen = [], set()
    # Neither promtool nor node-exporter minds a series written twice (the
    # second one wins); Prometheus scraping the file itself would.
    for n, lb, v in want:
        if key(n, lb) in seen:
            bad.append(f"written twice: {fmt(n, lb)}")
        seen.add(key(n, lb))
    for n, lb, v in want:
        g = have.get(key(n, lb))
        if g is None:
            bad.append(f"not served: {fmt(n, lb)} {v:g}")
        elif not same(g, v):
            bad.append(f"served as {g:g}: {fmt(n, lb)} {v:g}")
    for b in bad[:20]:
        print(b)
    lq = sum(1 for n, _, _ in got if n.startswith("listenq_"))
    if bad:
        fail(f"{len(bad)} problems in the {len(want)} samples of {os.path.basename(prom)}")
    if not want:
        fail(f"{prom} has no samples")
    print(f"{len(want)} samples served as written, {lq} listenq_* samples in the scrape")


LISTENER_LABELS = {"ns", "ns_name", "local", "inode", "command"}
EXTRA_LABELS = {"_bucket": {"le"}, "listenq_syn_full_action": {"action"}}


def labels(prom):
    """The label sets doc/metrics.md promises, on what the service wrote:
    every listener series has ns, ns_name, local, inode and command (with
    -A and -p; "" when none), plus le on histogram buckets and action on
    listenq_syn_full_action; listenq_sysctl has ns and name; nothing else
    (no pid). ns and inode are numbers, command at most 15 bytes (comm)."""
    try:
        want = parse_exposition(prom)
    except (OSError, ValueError) as e:
        fail(str(e))
    bad, listeners, commands = [], set(), set()
    for n, lb, _ in want:
        if not n.startswith("listenq_"):
            bad.append(f"not a listenq_ metric: {n}")
            continue
        if n == "listenq_sysctl":
            exp = {"ns", "name"}
        else:
            exp = set(LISTENER_LABELS)
            for suffix, extra in EXTRA_LABELS.items():
                if n.endswith(suffix):
                    exp |= extra
        if set(lb) != exp:
            bad.append(f"labels {sorted(lb)}, want {sorted(exp)}: {fmt(n, lb)}")
            continue
        if not lb["ns"].isdigit() or ("inode" in lb and not lb["inode"].isdigit()):
            bad.append(f"ns or inode not a number: {fmt(n, lb)}")
        if "command" in lb:
            if len(lb["command"].encode()) > 15:
                bad.append(f"command longer than comm's 15 bytes: {fmt(n, lb)}")
            listeners.add((lb["ns"], lb["inode"]))
            commands.add(lb["command"])
    for b in bad[:10]:
        print(b)
    if bad:
        fail(f"{len(bad)} series with other labels than doc/metrics.md says")
    if not listeners:
        fail(f"{prom}: no listener series")
    print(f"{len(want)} series of {len(listeners)} listeners: ns, ns_name, local, inode, "
          f"command on each, {len(commands)} commands")


def expect(scrape, expect_file):
    """Each line "metric{label="v",...} value": a series of the scrape has
    that name, those labels (a subset of its own; "" is no label) and that
    value."""
    try:
        got = parse_exposition(scrape)
    except (OSError, ValueError) as e:
        fail(str(e))
    by_name = {}
    for n, lb, v in got:
        by_name.setdefault(n, []).append((lb, v))
    bad, n_lines = [], 0
    try:
        lines = open(expect_file, encoding="utf-8").read().splitlines()
    except OSError as e:
        fail(f"cannot read {expect_file}: {e.strerror}")
    for i, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        n_lines += 1
        try:
            name, want, value = parse_sample(line.strip(), f"expect:{i}")
        except ValueError as e:
            bad.append(str(e))
            continue
        cands = [(lb, v) for lb, v in by_name.get(name, [])
                 if all(lb.get(k, "") == w for k, w in want.items())]
        if any(same(v, value) for _, v in cands):
            continue
        if not cands:
            bad.append(f"no series: {line.strip()}")
        else:
            vals = ", ".join(sorted({f"{v:g}" for _, v in cands}))
            bad.append(f"value {vals}, want {value:g}: {line.strip()}")
    for b in bad[:30]:
        print(b)
    if bad:
        fail(f"{len(bad)} of {n_lines} expect lines not in the scrape")
    if not n_lines:
        fail("no expect lines")
    print(f"{n_lines} expect lines matched")


# --- the command against the unit ---------------------------------------------
def exec_start(unit):
    """The ExecStart= of a unit file, split as systemd would (no
    specifiers or variables: the unit has none)."""
    cmds = []
    with open(unit, encoding="utf-8") as f:
        cont = ""
        for line in f:
            line = cont + line.rstrip("\n")
            if line.endswith("\\"):
                cont = line[:-1] + " "
                continue
            cont = ""
            m = re.match(r"\s*ExecStart\s*=\s*(.*)$", line)
            if m and m.group(1):
                cmds.append(m.group(1))
    if len(cmds) != 1:
        fail(f"{unit}: {len(cmds)} ExecStart= lines, want 1")
    return shlex.split(cmds[0].lstrip("-@:+!"))


def without_output(args):
    """args with the --output/-o path taken out, and the path."""
    out, path, i = [], None, 0
    while i < len(args):
        a = args[i]
        if a in ("--output", "-o") and i + 1 < len(args):
            out.append("--output")
            path = args[i + 1]
            i += 2
            continue
        if a.startswith("--output="):
            out.append("--output")
            path = a[len("--output="):]
        else:
            out.append(a)
        i += 1
    return out, path


def command(cmd_file, unit):
    try:
        lines = [x for x in open(cmd_file, encoding="utf-8").read().splitlines() if x.strip()]
    except OSError as e:
        fail(f"cannot read {cmd_file}: {e.strerror}")
    if len(lines) != 1:
        fail(f"{cmd_file}: {len(lines)} lines, want 1")
    ran = shlex.split(lines[0])
    # The guest's line may start with its own path of the binary.
    if ran and os.path.basename(ran[0]) == "listenq":
        ran = ran[1:]
    unit_args = exec_start(unit)
    if os.path.basename(unit_args[0]) != "listenq":
        fail(f"{unit}: ExecStart runs {unit_args[0]}, not listenq")
    want, unit_path = without_output(unit_args[1:])
    got, guest_path = without_output(ran)
    if unit_path is None:
        fail(f"{unit}: ExecStart has no --output")
    if guest_path is None:
        fail(f"the guest ran without --output: {lines[0]}")
    if got != want:
        fail(f"the guest ran '{' '.join(got)}', the unit runs '{' '.join(want)}' (--output's path aside)")
    want[want.index("--output")] = "--output PATH"
    print(f"the guest ran the unit's 'listenq {' '.join(want)}', PATH {guest_path} for {unit_path}")


# --- metric names ---------------------------------------------------------------
def names(prom_c, files):
    """The listenq_* names the rules and the dashboard use are all ones that
    tools/prom.c writes (histograms: with _bucket, _sum, _count)."""
    src = open(prom_c, encoding="utf-8").read()
    known = set(re.findall(r'"(listenq_[a-z0-9_]+)"', src))
    known |= set(re.findall(r"TYPE (listenq_[a-z0-9_]+) ", src))
    hist = set(re.findall(r"# TYPE (listenq_[a-z0-9_]+) histogram", src))
    for m in re.findall(r'\{ "(listenq_[a-z0-9_]+)", (?:true|false),', src):
        hist.add(m)
    for h in hist:
        known |= {h + "_bucket", h + "_sum", h + "_count"}
    bad, used = [], set()
    for path in files:
        text = open(path, encoding="utf-8").read()
        for n in set(re.findall(r"\b(listenq_[a-z0-9_]+)\b", text)):
            used.add(n)
            if n not in known and not n.endswith("_"):
                bad.append(f"{os.path.basename(path)}: {n} is not a metric tools/prom.c writes")
    for b in sorted(bad):
        print(b)
    if bad:
        fail(f"{len(bad)} unknown metric names")
    if not used:
        fail("no listenq_* names used")
    print(f"{len(used)} listenq_* names used, all written by tools/prom.c")


# --- the Grafana dashboard -------------------------------------------------------
def dashboard(path, rules_out):
    """A dashboard Grafana imports: a uid, a title, panels with unique ids
    and grid positions, every query with a refId and a datasource; each
    query written as a recording rule (template variables replaced) for
    promtool check rules to parse."""
    try:
        d = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    bad = []
    for k in ("uid", "title", "panels", "schemaVersion"):
        if k not in d:
            bad.append(f"no {k}")
    panels = []
    for p in d.get("panels", []):
        panels.append(p)
        panels.extend(p.get("panels", []))
    ids = [p.get("id") for p in panels]
    if len(ids) != len(set(ids)) or None in ids:
        bad.append(f"panel ids not unique: {ids}")
    exprs = []
    for p in panels:
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")):
            bad.append(f"panel {p.get('id')}: no gridPos")
        if p.get("type") == "row":
            continue
        if not p.get("targets"):
            bad.append(f"panel {p.get('id')} ({p.get('title')}): no queries")
        refs = [t.get("refId") for t in p.get("targets", [])]
        if len(refs) != len(set(refs)) or None in refs:
            bad.append(f"panel {p.get('id')}: refIds {refs}")
        for t in p.get("targets", []):
            if not t.get("expr") or not t.get("datasource"):
                bad.append(f"panel {p.get('id')} {t.get('refId')}: no expr or datasource")
            else:
                exprs.append(t["expr"])
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        if v.get("type") == "query":
            q = q.get("query") if isinstance(q, dict) else q
            m = re.fullmatch(r"label_values\((.*),\s*([A-Za-z_]+)\)", q or "")
            if not m:
                bad.append(f"variable {v.get('name')}: query {q!r}")
            else:
                exprs.append(m.group(1))
    subst = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
    with open(rules_out, "w") as f:
        f.write("groups:\n  - name: listenq_dashboard_queries\n    rules:\n")
        for i, e in enumerate(exprs):
            for a, b in subst.items():
                e = e.replace(a, b)
            e = re.sub(r"\$\{?[A-Za-z_]+\}?", ".*", e)
            f.write(f"      - record: dashboard_query_{i}\n        expr: {json.dumps(e)}\n")
    for b in bad:
        print(b)
    if bad:
        fail(f"{path}: {len(bad)} problems")
    print(f"{len(panels)} panels, {len(exprs)} queries")


def main(argv):
    cmds = {"extract": (extract, 2), "labels": (labels, 1), "served": (served, 2),
            "expect": (expect, 2),
            "command": (command, 2), "dashboard": (dashboard, 2)}
    if len(argv) >= 3 and argv[1] == "names":
        return names(argv[2], argv[3:])
    if len(argv) < 2 or argv[1] not in cmds or len(argv) != cmds[argv[1]][1] + 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
