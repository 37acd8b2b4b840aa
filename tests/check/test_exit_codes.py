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
