"""The layering of DESIGN section 2, proved in fresh interpreters."""

import subprocess
import sys

import pytest


def imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize("statement", ["import models", "import models.catalog",
                                       "import models.runtime", "import tutor.cli",
                                       "import tutor.lesson.load", "import tutor.lesson.answers",
                                       "import tutor.runner", "import tutor.progress",
                                       "import tutor.jobs", "import tutor.settings"])
def test_light_modules_import_neither_torch_nor_textual(statement):
    loaded = imported_after(statement)
    assert "torch" not in loaded
    assert "textual" not in loaded


@pytest.mark.parametrize("statement", ["import models.trainer", "import models.tasks",
                                       "import models.networks"])
def test_engine_never_imports_the_ui(statement):
    loaded = imported_after(statement)
    assert "torch" in loaded
    assert "textual" not in loaded
    assert "tutor" not in loaded


def test_author_commands_never_load_torch():
    code = ("import sys, io, contextlib; from tutor.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['lessons', '--json']); main(['validate', 'lessons']); main(['schema'])\n"
            "print('torch' in sys.modules, 'textual' in sys.modules)")
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.split() == ["False", "False"]


def test_the_app_and_its_screens_never_import_torch():
    """The UI process stays light: torch loads only in training child processes."""
    loaded = imported_after("import tutor.app, tutor.screens.home, tutor.screens.lesson, "
                            "tutor.widgets.train_panel, tutor.screens.help")
    assert "textual" in loaded
    assert "torch" not in loaded
