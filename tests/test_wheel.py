"""The wheel a user installs carries everything: code, built-in names and lessons."""

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(ROOT)], check=True, timeout=300)
    wheel = next(dist.glob("rnn_tutor-*.whl"))
    env_dir = tmp_path / "venv"
    # The new venv sees the packages of the interpreter running this test (its torch, not a
    # multi-GB download), wherever they are: a venv, conda, the system or the user's site. A venv's
    # "system site packages" would be those of the *base* interpreter, which a user's venv does not
    # share. The package itself is installed into the new venv from the wheel alone; its own
    # site-packages come first on sys.path, and a .pth's plain path lines run no further .pth files
    # (so an editable install of the checkout stays out of it).
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    new_site = subprocess.run([str(bindir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              capture_output=True, text=True, check=True).stdout.strip()
    ours = [*site.getsitepackages(), site.getusersitepackages()]
    (Path(new_site) / "_outer_site.pth").write_text("".join(f"{p}\n" for p in ours if os.path.isdir(p)))
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "--no-deps",
                    "--force-reinstall", str(wheel)], check=True, timeout=300)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def rnn_tutor(*args):
        return subprocess.run([str(bindir / "rnn-tutor"), *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)

    result = rnn_tutor("--help")
    assert result.returncode == 0, result.stderr
    assert "train" in result.stdout
    where = subprocess.run([str(bindir / "python"), "-c", "import models, tutor; print(models.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in where  # the installed copy, not the checkout
    # The built-in lessons are found from the installed copy the same way as from a checkout.
    listed = rnn_tutor("lessons", "--json")
    assert listed.returncode == 0, listed.stderr
    assert any(row["id"] == "dracula" and str(env_dir) in row["file"]
               for row in json.loads(listed.stdout)["lessons"])
    # The built-in names and the default corpus are package data: both tasks find them.
    for task in ("classify", "char-lm"):
        result = rnn_tutor("train", task, "--max-steps", "2", "--set", "hidden=8", "--json")
        assert result.returncode == 0, result.stderr
