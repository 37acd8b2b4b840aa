"""`ganlog check` exit codes as a matrix: --fail-on × finding severity × --exit-zero, and errors."""

from __future__ import annotations

import pytest

RANK = {"info": 1, "warning": 2, "error": 3}
SEVERITIES = ("info", "warning", "error")


@pytest.mark.parametrize("exit_zero", [False, True], ids=["", "exit-zero"])
@pytest.mark.parametrize("severity", SEVERITIES)
@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_exit_code_matrix(cli_run, logs, firing, fail_on, severity, exit_zero) -> None:
    args = ["check", logs.collapse, "--set", f"select={firing}", "--set", f"{firing}.severity={severity}",
            "--fail-on", fail_on]
    if exit_zero:
        args.append("--exit-zero")
    res = cli_run(*args)
    expected = 1 if RANK[severity] >= RANK[fail_on] and not exit_zero else 0
    assert res.exit_code == expected, res.output
    assert f"{firing}" in res.stdout
    state = "FAILED" if RANK[severity] >= RANK[fail_on] else "passed"
    assert f"ganlog check {state}" in res.stdout


@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_healthy_run_passes_at_every_threshold(cli_run, logs, firing, fail_on) -> None:
    res = cli_run("check", logs.healthy, "--set", f"select={firing}", "--set", f"{firing}.severity=error",
                  "--fail-on", fail_on)
    assert res.exit_code == 0, res.output
    assert "ganlog check passed: 0 of 1 run" in res.stdout


def test_default_fail_on_is_error_and_config_can_change_it(cli_run, logs, firing, tmp_path) -> None:
    base = ["check", logs.collapse, "--set", f"select={firing}", "--set", f"{firing}.severity=warning"]
    assert cli_run(*base).exit_code == 0
    (tmp_path / "ganlog.toml").write_text('fail-on = "warning"\n')
    assert cli_run(*base).exit_code == 1
    # the option wins over the file
    assert cli_run(*base, "--fail-on", "error").exit_code == 0


def test_one_failing_run_among_several_fails_the_call(cli_run, logs, firing) -> None:
    res = cli_run("check", logs.healthy, logs.collapse, "--set", f"select={firing}")
    assert res.exit_code == 1
    assert "pass  healthy" in res.stdout and f"FAIL  collapse: {firing}" in res.stdout
    assert "1 of 2 runs" in res.stdout


def test_ignore_in_the_config_file_beats_select_on_the_command_line(cli_run, logs, firing, tmp_path) -> None:
    (tmp_path / "ganlog.toml").write_text(f'ignore = ["{firing}"]\n')
    res = cli_run("check", logs.collapse, "--set", f"select={firing}", "--fail-on", "info")
    assert res.exit_code == 0, res.output
    assert "No findings from 0 detectors" in res.stdout


# -- errors exit 2, with or without --exit-zero, one line on stderr ---------------------

BAD_CASES = {
    "missing file": (["check", "{missing}"], "no such file"),
    "bad set": (["check", "{healthy}", "--set", "GAN999.threshold=1"], "unknown detector code GAN999"),
    "malformed set": (["check", "{healthy}", "--set", "nonsense"], "expected CODE.PARAM=VALUE"),
    "bad config file": (["check", "{healthy}", "--config", "{badcfg}"], "unknown key 'fail_onn'"),
    "missing config": (["check", "{healthy}", "--config", "{missing}.toml"], "no such configuration file"),
    "bad fail-on": (["check", "{healthy}", "--fail-on", "fatal"], "Invalid value for '--fail-on'"),
    "bad format": (["check", "{healthy}", "--format", "xml"], "Invalid value for '--format'"),
    "bad output dir": (["check", "{healthy}", "-o", "{missing}/out.xml"], "output directory does not exist"),
    "empty log": (["check", "{empty}"], "{empty}"),
    "no paths": (["check"], "Missing argument"),
}


@pytest.mark.parametrize("exit_zero", [False, True], ids=["", "exit-zero"])
@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_usage_config_and_input_errors_exit_2(cli_run, logs, tmp_path, case, exit_zero) -> None:
    badcfg = tmp_path / "bad.toml"
    badcfg.write_text('fail_onn = "error"\n')
    empty = tmp_path / "empty.log"
    empty.write_text("")
    values = {"missing": str(tmp_path / "nope"), "healthy": str(logs.healthy), "badcfg": str(badcfg),
              "empty": str(empty)}
    args, words = BAD_CASES[case]
    args = [a.format(**values) for a in args] + (["--exit-zero"] if exit_zero else [])
    res = cli_run(*args)
    assert res.exit_code == 2, res.output
    assert words.format(**values) in res.stderr
    assert "Traceback" not in res.output
    if not case.startswith(("bad fail-on", "bad format", "no paths")):  # click's own usage text
        assert res.stderr.startswith("ganlog: error: ") and res.stderr.count("\n") == 1
    assert not list(tmp_path.glob("nope*"))


def test_real_process_exit_codes(run_ganlog, samples, logs, tmp_path) -> None:
    """The installed entry point, not just click's runner: 0 on a healthy run, 2 on bad input."""
    ok = run_ganlog("check", str(logs.healthy), "--format", "json", "-o", str(tmp_path / "r.json"),
                    cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "r.json").is_file() and "ganlog check passed" in ok.stderr
    bad = run_ganlog("check", str(tmp_path / "nope.log"), "--exit-zero", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("ganlog: error: ")


@pytest.mark.parametrize("fmt", ["json", "junit", "github"])
def test_damaged_input_is_judged_and_exits_2(cli_run, tmp_path, fmt) -> None:
    """A TensorBoard event file cut short (tensorboardX wrote it, a crash truncated it):
    the readable records are still judged and reported, the damage is named, the exit is 2."""
    tbx = pytest.importorskip("tensorboardX")
    w = tbx.SummaryWriter(str(tmp_path / "w"), flush_secs=3600)
    for s in range(200):
        w.add_scalar("Loss/D", 1.3 + 0.01 * (s % 7), s)
        w.add_scalar("Loss/G", 0.8 + 0.01 * (s % 5), s)
    w.close()
    (written,) = (tmp_path / "w").glob("events.out.tfevents.*")
    cut = tmp_path / "events.out.tfevents.1.host"
    cut.write_bytes(written.read_bytes()[:-10])
    out = tmp_path / "out"
    res = cli_run("check", cut, "--format", fmt, "-o", out, "--exit-zero")
    assert res.exit_code == 2, res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("ganlog: error: ")]
    assert len(errors) == 1 and str(cut) in errors[0] and "byte" in errors[0]
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        import json

        doc = json.loads(text)
        assert doc["exit_code"] == 2 and doc["runs"][0]["run"]["records"] == 200
        assert doc["runs"][0]["check"]["input_errors"] == [errors[0].removeprefix("ganlog: error: ")]
    elif fmt == "junit":
        from junitparser import JUnitXml

        (suite,) = list(JUnitXml.fromstring(text))
        (case,) = [c for c in suite if c.name == "input"]
        assert case.is_error and "byte" in case.result[0].message
    else:
        assert any(ln.startswith("::error file=") and "title=ganlog input error::" in ln
                   for ln in text.splitlines())
