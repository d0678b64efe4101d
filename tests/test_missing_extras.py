"""A missing optional extra (matplotlib, openpyxl) is a clear message with the install command and exit 5."""

from __future__ import annotations

import sys

import pytest

from premium_alloc import synthetic
from premium_alloc.cli import main
from premium_alloc.cli.app import ExitCode
from premium_alloc.errors import MissingDependencyError


@pytest.fixture
def scenario(tmp_path):
    return synthetic.write(synthetic.regency(1, villages=4, workers=300), tmp_path / "s.yaml")


def test_frontier_plot_without_matplotlib(monkeypatch, scenario, tmp_path, capsys):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    code = main(["frontier", str(scenario), "-s", "APBD", "--factors", "0,1", "--plot", str(tmp_path / "f.png")])
    assert code == ExitCode.MISSING_EXTRA == 5
    err = capsys.readouterr().err
    assert "matplotlib" in err and "pip install 'premium-alloc[plot]'" in err
    assert "internal error" not in err
    assert not (tmp_path / "f.png").exists()


def test_solve_xlsx_without_openpyxl(monkeypatch, scenario, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    code = main(["solve", str(scenario), "--xlsx", str(tmp_path / "r.xlsx")])
    assert code == 5
    err = capsys.readouterr().err
    assert "openpyxl" in err and "pip install 'premium-alloc[excel]'" in err


def test_the_error_names_the_install_command():
    e = MissingDependencyError("matplotlib", "plot", "charts")
    assert isinstance(e, ImportError)
    assert str(e) == "charts needs matplotlib, which is not installed: pip install 'premium-alloc[plot]'"
